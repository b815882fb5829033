//! Seeded synthetic scenarios for benchmarks and scaling tests (`capplan generate`).
//!
//! A generated scenario mixes training kinds and inference services over several providers,
//! regions and chip types from `data/chips.toml`, with reserved and per-use clusters, contracts
//! with discounts, spend floors, soft utilization floors and one placement rule, and `edges`
//! dependencies between training workloads (0 keeps the program a pure LP).
//!
//! It is feasible by construction. Every workload `k` gets a share `f_k` of capacity, with the
//! shares summing to [`CAPACITY_SHARE`] < 1; its work (or must-serve demand in each period) is
//! what `f_k` of every chip-hour it may use in its window delivers, rounded to four significant
//! digits. Giving each workload exactly its share of every cluster-period is then a plan that
//! keeps every capacity row. With dependencies, training workloads are put in consecutive
//! stages of the horizon and edges only go from an earlier stage to a later one; work is sized on
//! the workload's own stage (so giving every workload its share there is a plan in which each
//! predecessor is done before its successors start), while its window stays open through the
//! next stage, so the program has real choices about when predecessors finish. Floors are soft, so they never make
//! a generated scenario infeasible.
//!
//! The same options give the same bytes: the generator draws from its own SplitMix64 stream and
//! never iterates a hash map.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use chrono::NaiveDate;

use crate::model::{Demand, Horizon, Scenario, MAX_CELLS, MAX_PERIODS};
use crate::schema::PeriodLength;

/// Fraction of all capacity the generated work and must-serve demand add up to.
pub const CAPACITY_SHARE: f64 = 0.7;

/// Most workloads or clusters a generated scenario may have.
pub const MAX_ITEMS: usize = 100_000;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateOptions {
    /// Number of workloads (training and inference).
    pub workloads: usize,
    /// Number of clusters.
    pub clusters: usize,
    /// Number of weekly periods.
    pub periods: usize,
    /// Seed of the pseudo-random stream.
    pub seed: u64,
    /// Dependency edges between training workloads (0: none, a pure LP).
    pub edges: usize,
}

/// Options that cannot give a scenario.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// An argument is out of range; the message names it and the fix.
    #[error("{0}")]
    BadArgument(String),
    /// The generated text failed validation: a bug in the generator.
    #[error("internal error: the generated scenario does not validate: {0}")]
    Invalid(String),
}

/// SplitMix64: tiny, fast, and fixed forever, so a seed always means the same scenario.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize % n
    }

    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One provider's offer: regions, and (chip id, public on-demand USD per chip-hour, source).
struct Provider {
    id: &'static str,
    regions: &'static [&'static str],
    chips: &'static [(&'static str, f64, &'static str)],
    /// Discount of the generated contract with this provider, if any.
    contract_discount: Option<f64>,
}

/// Public on-demand rates from `data/prices.md` (TPU v5e from `accelerators.md`).
const PROVIDERS: &[Provider] = &[
    Provider {
        id: "aws",
        regions: &["us-east-1", "us-east-2", "us-west-2"],
        chips: &[
            ("trainium2", 5.373, "SP-aws"),
            ("trainium", 1.344, "V"),
            ("inferentia2", 1.082, "V"),
            ("h100", 6.88, "V"),
            ("h200", 7.912, "V"),
            ("b200", 14.24, "V"),
        ],
        contract_discount: Some(0.15),
    },
    Provider {
        id: "gcp",
        regions: &["us-central1", "europe-west4"],
        chips: &[
            ("tpu-v6e", 2.70, "SP-gcp"),
            ("tpu-v5p", 4.20, "SP-gcp"),
            ("tpu-v5e", 1.20, "SP-gcp"),
        ],
        contract_discount: Some(0.12),
    },
    Provider {
        id: "azure",
        regions: &["eastus", "westus3"],
        chips: &[("h100", 12.29, "SP-az")],
        contract_discount: None,
    },
];

/// Chips that serve inference in the generated scenarios, with Mtok per chip-hour.
const INFERENCE_CHIPS: &[(&str, f64)] = &[
    ("inferentia2", 1.2),
    ("trainium2", 1.5),
    ("h100", 2.0),
    ("h200", 2.4),
    ("tpu-v6e", 1.6),
    ("tpu-v5e", 0.6),
];

/// Training runs above this size must stay on the AWS contract's clusters.
const PLACEMENT_PARAMS_BILLION: f64 = 300.0;

struct ClusterDraft {
    id: String,
    provider: usize,
    region: &'static str,
    chip: &'static str,
    rate: f64,
    source: &'static str,
    chips: u32,
    reserved: bool,
}

struct WorkloadDraft {
    id: String,
    kind: &'static str,
    params_billion: f64,
    /// 1-based window.
    release: usize,
    deadline: usize,
    /// Last period (1-based) of the part of the window the work is sized on.
    sized_until: usize,
    providers: Option<&'static str>,
    max_chips: bool,
    after: Vec<usize>,
    /// Inference: (chip, Mtok per chip-hour).
    throughput: Vec<(&'static str, f64)>,
    must_serve: bool,
    /// Relative share of capacity (normalized later).
    weight: f64,
    /// Filled by the second pass: work in PFLOP, or demand per period and per hour.
    work_pflop: f64,
    demand: Vec<f64>,
    per_hour: Vec<f64>,
    max_chips_value: f64,
}

/// Generates a scenario as TOML text.
pub fn generate(opts: &GenerateOptions) -> Result<String, GenerateError> {
    let weeks = u32::try_from(opts.periods).unwrap_or(u32::MAX);
    generate_segmented(opts, &[(PeriodLength::Week, weeks)])
}

/// Generates a scenario over a segmented horizon (`segments`: runs of periods of one length,
/// in order, from 2027-01-04); `opts.periods` must be their total. Work is sized on the
/// periods' hours, so every resolution has the same share of its capacity busy. A horizon of
/// weeks alone is written as `period = "week"` with windows as period numbers and demand per
/// period (the bytes benches and docs rely on); any other is written so that it means the same
/// on another horizon over the same days: windows as dates (the release period's first day, the
/// deadline period's last), demand as a rate per hour, and work in PFLOP as always. Its first
/// lines say how to plan it in weeks (`--set horizon.segments=...`, see [`Horizon::weekly_twin`]).
pub fn generate_segmented(
    opts: &GenerateOptions,
    segments: &[(PeriodLength, u32)],
) -> Result<String, GenerateError> {
    check(opts)?;
    let total: u64 = segments.iter().map(|&(_, n)| n as u64).sum();
    if total != opts.periods as u64 || segments.iter().any(|&(_, n)| n == 0) {
        return Err(GenerateError::BadArgument(format!(
            "--segments: {total} periods in segments of 1 or more each, for {} periods",
            opts.periods
        )));
    }
    let mut rng = Rng(opts.seed ^ 0x6361_7070_6C61_6E00); // "capplan\0"
    let start = NaiveDate::from_ymd_opt(2027, 1, 4).expect("a Monday");
    let horizon = Horizon::segmented(start, segments).ok_or_else(|| {
        GenerateError::BadArgument("--segments: the horizon runs past the calendar".into())
    })?;
    let end = horizon.periods[horizon.len() - 1].end - chrono::Days::new(1);
    let h = (&horizon, start, end);

    let clusters = draft_clusters(&mut rng, opts.clusters);
    let mut workloads = draft_workloads(&mut rng, opts, &clusters)?;

    // First pass: the scenario with unit work, to read windows, yields and placement from the
    // model exactly as the planner will see them.
    let draft = render(opts, h, &clusters, &workloads);
    let scenario = Scenario::from_toml(&draft, Path::new("<generated>"))
        .map_err(|e| GenerateError::Invalid(e.to_string()))?;
    size_to_capacity(&scenario, &mut workloads)?;
    Ok(render(opts, h, &clusters, &workloads))
}

fn check(o: &GenerateOptions) -> Result<(), GenerateError> {
    let bad = |m: String| Err(GenerateError::BadArgument(m));
    if o.workloads == 0 || o.workloads > MAX_ITEMS {
        return bad(format!(
            "--workloads {}: give 1 to {MAX_ITEMS}",
            o.workloads
        ));
    }
    if o.clusters == 0 || o.clusters > MAX_ITEMS {
        return bad(format!("--clusters {}: give 1 to {MAX_ITEMS}", o.clusters));
    }
    if o.periods == 0 || o.periods > MAX_PERIODS as usize {
        return bad(format!(
            "--periods {}: give 1 to {MAX_PERIODS} weeks",
            o.periods
        ));
    }
    let cells = o.workloads as u64 * o.clusters as u64 * o.periods as u64;
    if cells > MAX_CELLS {
        return bad(format!(
            "{} workloads x {} clusters x {} periods = {cells} possible allocations, more than the {MAX_CELLS} one plan can hold: make one of them smaller",
            o.workloads, o.clusters, o.periods
        ));
    }
    if o.edges > 0 && o.periods < 2 {
        return bad(format!(
            "--edges {} needs --periods 2 or more (a successor starts after its predecessor's window)",
            o.edges
        ));
    }
    if o.edges > 0 {
        let most = most_edges(o);
        if o.edges > most {
            return bad(format!(
                "--edges {}: at most {most} dependency edges fit {} workloads over {} periods; give fewer edges or more workloads",
                o.edges, o.workloads, o.periods
            ));
        }
    }
    Ok(())
}

/// Training workloads: every fourth one from the second is inference.
fn is_inference(k: usize) -> bool {
    k % 4 == 1
}

fn stages(periods: usize) -> usize {
    periods.min(3)
}

/// Stage of training workload `k` (round robin over training workloads, so counts are known).
fn stage_of(k: usize, periods: usize) -> usize {
    let training_index = k - (k + 2) / 4;
    training_index % stages(periods)
}

/// Edges possible between training workloads of different stages.
fn most_edges(o: &GenerateOptions) -> usize {
    let s = stages(o.periods);
    let mut count = vec![0usize; s];
    for k in (0..o.workloads).filter(|&k| !is_inference(k)) {
        count[stage_of(k, o.periods)] += 1;
    }
    let mut pairs = 0;
    for a in 0..s {
        for b in a + 1..s {
            pairs += count[a] * count[b];
        }
    }
    pairs
}

fn draft_clusters(rng: &mut Rng, n: usize) -> Vec<ClusterDraft> {
    let sizes = [32u32, 64, 128, 256, 512];
    (0..n)
        .map(|c| {
            // The first three clusters cover every provider, so that every workload has a home.
            let provider = if c < PROVIDERS.len() {
                c
            } else {
                // AWS-heavy, as in the shipped scenario.
                [0, 0, 0, 1, 1, 2][rng.below(6)]
            };
            let p = &PROVIDERS[provider];
            let &(chip, rate, source) = if c == 0 {
                &p.chips[0]
            } else {
                rng.pick(p.chips)
            };
            let region = *rng.pick(p.regions);
            let reserved = p.contract_discount.is_some() && rng.chance(0.3);
            ClusterDraft {
                id: format!("{}-{}-{}", p.id, chip, c + 1),
                provider,
                region,
                chip,
                rate,
                source,
                chips: *rng.pick(&sizes),
                reserved,
            }
        })
        .collect()
}

fn draft_workloads(
    rng: &mut Rng,
    o: &GenerateOptions,
    clusters: &[ClusterDraft],
) -> Result<Vec<WorkloadDraft>, GenerateError> {
    let t = o.periods;
    let present: BTreeSet<&str> = clusters.iter().map(|c| c.chip).collect();
    let serving: Vec<(&'static str, f64)> = INFERENCE_CHIPS
        .iter()
        .copied()
        .filter(|(chip, _)| present.contains(chip))
        .collect();
    // Providers with a training-capable cluster (anything but Inferentia).
    let trainable: Vec<usize> = (0..PROVIDERS.len())
        .filter(|&p| {
            clusters
                .iter()
                .any(|c| c.provider == p && c.chip != "inferentia2")
        })
        .collect();
    let mut out = Vec::with_capacity(o.workloads);
    for k in 0..o.workloads {
        let mut w = WorkloadDraft {
            id: String::new(),
            kind: "inference",
            params_billion: 0.0,
            release: 1,
            deadline: t,
            sized_until: t,
            providers: None,
            max_chips: false,
            after: Vec::new(),
            throughput: Vec::new(),
            must_serve: false,
            weight: rng.range(0.5, 1.5),
            work_pflop: 1.0,
            // Filled for inference by the second pass; the draft renders a constant 1.
            demand: Vec::new(),
            per_hour: Vec::new(),
            max_chips_value: 0.0,
        };
        if is_inference(k) {
            w.id = format!("serve-{}", k + 1);
            // Two or three serving chips, always at least one that is present.
            let first = *rng.pick(&serving);
            w.throughput.push(first);
            for _ in 0..2 {
                let more = *rng.pick(&serving);
                if !w.throughput.iter().any(|(c, _)| *c == more.0) {
                    w.throughput.push(more);
                }
            }
            w.throughput.sort_by(|a, b| a.0.cmp(b.0));
            w.must_serve = rng.chance(0.5);
        } else {
            let roll = rng.unit();
            let (kind, params) = if roll < 0.3 {
                ("pre-training", *rng.pick(&[8.0, 70.0, 180.0, 405.0, 700.0]))
            } else if roll < 0.65 {
                ("post-training", *rng.pick(&[8.0, 70.0, 405.0]))
            } else if roll < 0.85 {
                ("evaluation", *rng.pick(&[8.0, 70.0]))
            } else {
                ("data-processing", 8.0)
            };
            w.kind = kind;
            w.params_billion = params;
            w.id = format!("{kind}-{}", k + 1);
            if o.edges > 0 {
                // Work sized on the workload's own stage, window open through the next stage:
                // the solver decides how late a predecessor may finish and gates successors.
                let s = stages(t);
                let stage = stage_of(k, t);
                w.release = stage * t / s + 1;
                w.sized_until = (stage + 1) * t / s;
                w.deadline = (stage + 2).min(s) * t / s;
            } else if rng.chance(0.25) {
                let len = (t / 2).max(1) + rng.below(t - (t / 2).max(1) + 1);
                let len = len.min(t);
                w.release = 1 + rng.below(t - len + 1);
                w.deadline = w.release + len - 1;
                w.sized_until = w.deadline;
            }
            // Placement already restricts large runs to AWS; restrict some small ones by hand.
            if params <= PLACEMENT_PARAMS_BILLION && rng.chance(0.2) {
                w.providers = Some(PROVIDERS[*rng.pick(&trainable)].id);
            }
            w.max_chips = rng.chance(0.3);
        }
        out.push(w);
    }
    if o.edges > 0 {
        add_edges(rng, o, &mut out)?;
    }
    Ok(out)
}

fn add_edges(
    rng: &mut Rng,
    o: &GenerateOptions,
    workloads: &mut [WorkloadDraft],
) -> Result<(), GenerateError> {
    let t = o.periods;
    let mut by_stage: Vec<Vec<usize>> = vec![Vec::new(); stages(t)];
    for k in (0..o.workloads).filter(|&k| !is_inference(k)) {
        by_stage[stage_of(k, t)].push(k);
    }
    let mut edges = BTreeSet::new();
    let mut tries = 0usize;
    while edges.len() < o.edges {
        tries += 1;
        if tries > 50 * o.edges + 1_000 {
            // Dense requests: enumerate what is left instead of guessing.
            let mut rest = Vec::new();
            for a in 0..by_stage.len() {
                for b in a + 1..by_stage.len() {
                    for &p in &by_stage[a] {
                        for &s in &by_stage[b] {
                            if !edges.contains(&(p, s)) {
                                rest.push((p, s));
                            }
                        }
                    }
                }
            }
            while edges.len() < o.edges {
                let i = rng.below(rest.len());
                edges.insert(rest.swap_remove(i));
            }
            break;
        }
        let a = rng.below(by_stage.len());
        let b = rng.below(by_stage.len());
        if a >= b || by_stage[a].is_empty() || by_stage[b].is_empty() {
            continue;
        }
        let p = *rng.pick(&by_stage[a]);
        let s = *rng.pick(&by_stage[b]);
        edges.insert((p, s));
    }
    for (p, s) in edges {
        workloads[s].after.push(p);
    }
    Ok(())
}

/// Second pass: work and demand from each workload's share of the capacity it may use.
fn size_to_capacity(s: &Scenario, drafts: &mut [WorkloadDraft]) -> Result<(), GenerateError> {
    let total_weight: f64 = drafts.iter().map(|w| w.weight).sum();
    for (k, w) in s.workloads.iter().enumerate() {
        let share = CAPACITY_SHARE * drafts[k].weight / total_weight;
        let rules = s.placement_rules_for(w);
        let usable: Vec<(usize, f64)> = (0..s.clusters.len())
            .filter(|&c| {
                rules
                    .iter()
                    .all(|(ci, _)| s.contracts[ci.0].provider == s.clusters[c].provider)
            })
            .filter_map(|c| w.yield_per_chip_hour[c].map(|y| (c, y)))
            .collect();
        let d = &mut drafts[k];
        match &w.demand {
            Demand::Training { .. } => {
                let mut work = 0.0;
                let mut most_chips = 0.0_f64;
                // Each workload's share of its own stage: predecessors are done by the end of
                // theirs, successors start in a later one (see the module comment).
                let last = w.latest_finish.min(d.sized_until - 1);
                for t in w.earliest_start..=last {
                    let mut chips_now = 0.0;
                    for &(c, y) in &usable {
                        work += share * s.clusters[c].capacity[t] * y;
                        chips_now += share * s.clusters[c].capacity[t] / s.horizon.periods[t].hours;
                    }
                    most_chips = most_chips.max(chips_now);
                }
                if work <= 0.0 {
                    return Err(GenerateError::Invalid(format!(
                        "workload \"{}\" has no capacity to run on",
                        w.id
                    )));
                }
                d.work_pflop = work;
                d.max_chips_value = (most_chips * 2.0).ceil() + 8.0;
            }
            Demand::Inference { .. } => {
                // The same share of what the clusters deliver: in each period (the weekly
                // files' lists), and per hour (the segmented files' rates).
                let delivered = |t: usize, level: &dyn Fn(&crate::model::Cluster) -> f64| {
                    if t < w.earliest_start {
                        return 0.0;
                    }
                    usable
                        .iter()
                        .map(|&(c, y)| share * level(&s.clusters[c]) * y)
                        .sum()
                };
                d.demand = (0..s.horizon.len())
                    .map(|t| delivered(t, &|c| c.capacity[t]))
                    .collect();
                d.per_hour = (0..s.horizon.len())
                    .map(|t| delivered(t, &|c| c.chips[t]))
                    .collect();
            }
        }
    }
    Ok(())
}

/// Four significant digits, as a TOML float.
fn num(x: f64) -> String {
    format!("{x:.3e}")
}

/// The horizon, its first day and its last day.
type Span<'a> = (&'a Horizon, NaiveDate, NaiveDate);

fn render(
    o: &GenerateOptions,
    (horizon, start, end): Span,
    clusters: &[ClusterDraft],
    workloads: &[WorkloadDraft],
) -> String {
    let mut out = String::with_capacity(512 * (clusters.len() + workloads.len()));
    let weekly = matches!(horizon.segments.as_slice(), [(PeriodLength::Week, _)]);
    let (flag, periods) = if weekly {
        (
            format!("--periods {}", o.periods),
            crate::report::count_s(o.periods, "week"),
        )
    } else {
        let segs: Vec<String> = horizon
            .segments
            .iter()
            .map(|(l, n)| format!("{}:{n}", l.as_str()))
            .collect();
        (
            format!("--segments {}", segs.join(",")),
            format!("{} periods ({})", o.periods, horizon.describe()),
        )
    };
    let _ = writeln!(
        out,
        "# Generated by `capplan generate --workloads {} --clusters {} {flag} --seed {} --edges {}`.",
        o.workloads, o.clusters, o.seed, o.edges
    );
    if !weekly {
        // Windows are dates and demand is a rate, so the file means the same on any horizon
        // over the same days: say how to plan it in weeks.
        let _ = writeln!(
            out,
            "# The same fleet in weeks: capplan plan FILE --set 'horizon.segments={}'",
            segments_toml(&horizon.weekly_twin())
        );
    }
    let _ = writeln!(
        out,
        "description = \"Synthetic fleet: {}, {}, {periods}, {} (seed {})\"\n",
        crate::report::count_s(o.workloads, "workload"),
        crate::report::count_s(o.clusters, "cluster"),
        crate::report::count(o.edges, "dependency", "dependencies"),
        o.seed
    );
    if weekly {
        let _ = writeln!(
            out,
            "[horizon]\nstart = \"{start}\"\nperiod = \"week\"\nperiods = {}\n",
            o.periods
        );
    } else {
        let runs: Vec<(PeriodLength, u32)> = horizon
            .segments
            .iter()
            .map(|&(l, n)| (l, u32::try_from(n).unwrap_or(u32::MAX)))
            .collect();
        let _ = writeln!(
            out,
            "[horizon]\nstart = \"{start}\"\nsegments = {}\n",
            segments_toml(&runs)
        );
    }
    let contracted: Vec<usize> = (0..PROVIDERS.len())
        .filter(|&p| {
            PROVIDERS[p].contract_discount.is_some() && clusters.iter().any(|c| c.provider == p)
        })
        .collect();
    for c in clusters {
        render_cluster(&mut out, c, contracted.contains(&c.provider));
    }
    let dated = (!weekly).then_some(horizon);
    for w in workloads {
        render_workload(&mut out, o, w, workloads, dated);
    }
    for &p in &contracted {
        render_contract(&mut out, p, (horizon, start, end), clusters);
    }
    out
}

/// One `[[clusters]]` table; `contracted` if its provider has a contract.
fn render_cluster(out: &mut String, c: &ClusterDraft, contracted: bool) {
    let p = &PROVIDERS[c.provider];
    let _ = writeln!(out, "[[clusters]]\nid = \"{}\"", c.id);
    let _ = writeln!(out, "provider = \"{}\"\nregion = \"{}\"", p.id, c.region);
    let _ = writeln!(out, "chip = \"{}\"\nchips = {}", c.chip, c.chips);
    let billing = if c.reserved { "reserved" } else { "per-use" };
    let _ = writeln!(out, "billing = \"{billing}\"");
    let _ = writeln!(
        out,
        "usd_per_chip_hour = {}\nprice_basis = \"on-demand\"\nprice_source = \"{}\"",
        c.rate, c.source
    );
    if contracted {
        let _ = writeln!(out, "contract = \"{}-contract\"", p.id);
    }
    out.push('\n');
}

/// One `[[workloads]]` table; `workloads` names its predecessors. With `dated` (a segmented
/// horizon), windows are written as dates and demand as rates, which mean the same on any
/// horizon over the same days; without, as period numbers and one demand per period.
fn render_workload(
    out: &mut String,
    o: &GenerateOptions,
    w: &WorkloadDraft,
    workloads: &[WorkloadDraft],
    dated: Option<&Horizon>,
) {
    let _ = writeln!(
        out,
        "[[workloads]]\nid = \"{}\"\nkind = \"{}\"",
        w.id, w.kind
    );
    if w.kind == "inference" {
        let _ = writeln!(out, "demand_unit = \"Mtok\"");
        if w.demand.is_empty() {
            // The first pass: one number, not a list of periods (a list for every period of
            // every service made the draft, parsed, need gigabytes on long horizons).
            let _ = writeln!(out, "demand = {{ per_hour = 1.0 }}");
        } else if let Some(h) = dated {
            render_rates(out, &w.per_hour, h);
        } else {
            out.push_str("demand = [");
            for (t, &d) in w.demand.iter().enumerate() {
                let _ = write!(out, "{}{}", if t == 0 { "" } else { ", " }, num(d));
            }
            out.push_str("]\n");
        }
        let thr: Vec<String> = w
            .throughput
            .iter()
            .map(|(c, v)| format!("{c} = {v:?}"))
            .collect();
        let _ = writeln!(out, "throughput = {{ {} }}", thr.join(", "));
        if w.must_serve {
            let _ = writeln!(out, "must_serve = true");
        } else {
            let _ = writeln!(out, "unmet_penalty_usd = 20.0");
        }
        let _ = writeln!(out, "revenue_usd_per_unit = 5.0");
    } else {
        let _ = writeln!(out, "params_billion = {:?}", w.params_billion);
        let _ = writeln!(out, "work_pflop = {}", num(w.work_pflop));
        if w.release > 1 {
            let _ = writeln!(out, "release = {}", window_start(w.release, dated));
        }
        if w.deadline < o.periods {
            let _ = writeln!(out, "deadline = {}", window_end(w.deadline, dated));
        }
        if let Some(p) = w.providers {
            let _ = writeln!(out, "providers = [\"{p}\"]");
        }
        if w.max_chips && w.max_chips_value > 0.0 {
            let _ = writeln!(out, "max_chips = {:?}", w.max_chips_value);
        }
        if !w.after.is_empty() {
            let ids: Vec<String> = w
                .after
                .iter()
                .map(|&p| format!("\"{}\"", workloads[p].id))
                .collect();
            let _ = writeln!(out, "after = [{}]", ids.join(", "));
        }
    }
    out.push('\n');
}

/// The first period of a window (1-based): its number, or the quoted date of its first day.
fn window_start(period: usize, dated: Option<&Horizon>) -> String {
    match dated {
        Some(h) => format!("\"{}\"", h.periods[period - 1].start),
        None => period.to_string(),
    }
}

/// The last period of a window (1-based): its number, or the quoted date of its last day.
fn window_end(period: usize, dated: Option<&Horizon>) -> String {
    match dated {
        Some(h) => format!("\"{}\"", h.periods[period - 1].end - chrono::Days::new(1)),
        None => period.to_string(),
    }
}

/// Demand as a rate: `{ per_hour = X }` where it is the same in every period (the clusters'
/// chips are constant, so it is), else one `{ from = DATE, per_hour = X }` per change.
fn render_rates(out: &mut String, per_hour: &[f64], h: &Horizon) {
    let mut runs: Vec<(NaiveDate, String)> = Vec::new();
    for (p, &x) in h.periods.iter().zip(per_hour) {
        let x = num(x);
        if runs.last().is_none_or(|(_, last)| *last != x) {
            runs.push((p.start, x));
        }
    }
    if let [(_, x)] = runs.as_slice() {
        let _ = writeln!(out, "demand = {{ per_hour = {x} }}");
        return;
    }
    let entries: Vec<String> = runs
        .iter()
        .map(|(from, x)| format!("{{ from = \"{from}\", per_hour = {x} }}"))
        .collect();
    let _ = writeln!(out, "demand = [{}]", entries.join(", "));
}

/// Runs of periods as the format writes `segments`:
/// `[{ period = "week", count = 156 }, { period = "day", count = 5 }]`.
pub fn segments_toml(runs: &[(PeriodLength, u32)]) -> String {
    let runs: Vec<String> = runs
        .iter()
        .map(|(l, n)| format!("{{ period = \"{}\", count = {n} }}", l.as_str()))
        .collect();
    format!("[{}]", runs.join(", "))
}

/// The `[[contracts]]` table of provider `p`, with its floors, over the term `(start, end)`.
fn render_contract(
    out: &mut String,
    p: usize,
    (horizon, start, end): Span,
    clusters: &[ClusterDraft],
) {
    let weeks_hours: f64 = horizon.periods.iter().map(|p| p.hours).sum();
    let prov = &PROVIDERS[p];
    let discount = prov
        .contract_discount
        .expect("contracted providers have one");
    let _ = writeln!(
        out,
        "[[contracts]]\nid = \"{0}-contract\"\nprovider = \"{0}\"\nstart = \"{start}\"\nend = \"{end}\"",
        prov.id
    );
    let _ = writeln!(
        out,
        "discount = {discount:?}\nbaseline = \"on-demand\"\ninference_revenue_share = 0.05"
    );
    // Take-or-pay: what the reserved clusters cost anyway plus a fifth of the per-use list.
    let mut floor = 0.0;
    for c in clusters.iter().filter(|c| c.provider == p) {
        let full = c.rate * (1.0 - discount) * c.chips as f64 * weeks_hours;
        floor += if c.reserved { full } else { 0.2 * full };
    }
    if p == 0 {
        let _ = writeln!(
            out,
            "placement = [{{ min_params_billion = {PLACEMENT_PARAMS_BILLION:?} }}]"
        );
    }
    let _ = writeln!(
        out,
        "\n[[contracts.spend_floors]]\nname = \"term\"\nstart = \"{start}\"\nend = \"{end}\"\nfloor_usd = {}",
        num(floor)
    );
    for c in clusters.iter().filter(|c| c.provider == p && c.reserved) {
        let _ = writeln!(
            out,
            "\n[[contracts.utilization_floors]]\ncluster = \"{}\"\nmin_fraction = 0.6\npenalty_usd_per_chip_hour = {:?}",
            c.id,
            (c.rate * 0.5 * 1000.0).round() / 1000.0
        );
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(
        workloads: usize,
        clusters: usize,
        periods: usize,
        seed: u64,
        edges: usize,
    ) -> GenerateOptions {
        GenerateOptions {
            workloads,
            clusters,
            periods,
            seed,
            edges,
        }
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let a = generate(&opts(30, 6, 5, 7, 4)).unwrap();
        let b = generate(&opts(30, 6, 5, 7, 4)).unwrap();
        let c = generate(&opts(30, 6, 5, 8, 4)).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn sizes_and_edges_are_as_asked() {
        let text = generate(&opts(40, 7, 6, 3, 10)).unwrap();
        let s = Scenario::from_toml(&text, Path::new("g.toml")).unwrap();
        assert_eq!(s.workloads.len(), 40);
        assert_eq!(s.clusters.len(), 7);
        assert_eq!(s.horizon.len(), 6);
        assert_eq!(s.dag.edge_count(), 10);
        assert_eq!(
            s.workloads.iter().filter(|w| !w.kind.is_training()).count(),
            10
        );
        // Two contracts (AWS and GCP), both with a spend floor; AWS carries the placement rule.
        assert_eq!(s.contracts.len(), 2);
        assert!(s.contracts.iter().all(|c| c.spend_floors.len() == 1));
        assert_eq!(s.contracts[0].placement_min_params_billion, vec![300.0]);
        let providers: BTreeSet<&str> = s.clusters.iter().map(|c| c.provider.as_str()).collect();
        assert_eq!(providers.len(), 3);
    }

    #[test]
    fn absurd_arguments_are_refused_with_the_fix() {
        for (o, needle) in [
            (opts(0, 5, 5, 1, 0), "--workloads 0"),
            (opts(5, 0, 5, 1, 0), "--clusters 0"),
            (opts(5, 5, 0, 1, 0), "--periods 0"),
            (opts(5, 5, 20_000, 1, 0), "--periods 20000"),
            (opts(100_000, 10_000, 10_000, 1, 0), "possible allocations"),
            (opts(5, 5, 1, 1, 1), "needs --periods 2"),
            (opts(8, 5, 6, 1, 1_000), "at most"),
        ] {
            let e = generate(&o).unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
        }
    }

    #[test]
    fn dense_edge_requests_are_met_exactly() {
        let o = opts(8, 3, 6, 1, 0);
        let most = most_edges(&o);
        let text = generate(&GenerateOptions { edges: most, ..o }).unwrap();
        let s = Scenario::from_toml(&text, Path::new("g.toml")).unwrap();
        assert_eq!(s.dag.edge_count(), most);
    }
}
