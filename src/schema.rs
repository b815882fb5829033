//! The scenario file format: plain serde structs, one per TOML table.
//!
//! This module owns the user's format and nothing else. Every field's doc comment is the
//! reference for the format (the README repeats it as a table). Nothing here is validated:
//! [`crate::model::Scenario::from_file`] turns these structs into the checked, indexed model the
//! planner and the audit work on, and reports every problem it finds.

use std::collections::BTreeMap;

use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use toml::Spanned;

/// Largest magnitudes a scenario may give: far above anything a real fleet or contract has
/// (orders of magnitude above the largest plausible value), yet small enough that every accepted
/// file gives a well-scaled program. Each is refused at validation with its range in the message.
/// They live together here so the numerics can be adjusted in one place.
pub mod limits {
    /// Chips in one cluster in one period (`chips`): today's largest clusters hold about 10^5.
    pub const MAX_CHIPS: f64 = 1e7;
    /// Chips one workload may use at once (`max_chips`), summed over clusters.
    pub const MAX_WORKLOAD_CHIPS: f64 = 1e9;
    /// Public rate, USD per chip-hour (`usd_per_chip_hour`): list prices are $1 to $15.
    pub const MAX_USD_PER_CHIP_HOUR: f64 = 1e4;
    /// Peak TFLOPS per chip (`bf16_tflops`, `fp8_tflops`): a 2025 chip peaks near 5,000.
    pub const MAX_TFLOPS: f64 = 1e6;
    /// Accelerator memory per chip, GiB (`hbm_gib`).
    pub const MAX_HBM_GIB: f64 = 1e6;
    /// Work of one training-type workload, PFLOP (`work_pflop`): 10^27 FLOP, about 50 times the
    /// largest published runs and about what 10^7 of today's chips deliver in a year.
    pub const MAX_WORK_PFLOP: f64 = 1e12;
    /// Work as reference chip-hours (`work_chip_hours.chip_hours`): 10^7 chips for 10,000 hours.
    pub const MAX_WORK_CHIP_HOURS: f64 = 1e11;
    /// Inference demand per period, in the workload's unit (`demand`): 10^15 tokens a period
    /// if the unit is the token.
    pub const MAX_DEMAND: f64 = 1e15;
    /// Demand units served per chip-hour (`throughput`): about 10^7 tokens per chip-hour today.
    pub const MAX_THROUGHPUT: f64 = 1e9;
    /// USD per unit: unmet-demand penalties, revenue per unit, utilization penalties per
    /// chip-hour (`unmet_penalty_usd`, `revenue_usd_per_unit`, `penalty_usd_per_chip_hour`).
    pub const MAX_USD_PER_UNIT: f64 = 1e6;
    /// USD amounts of a spend floor (`floor_usd`, `spent_before_usd`, `forecast_after_usd`):
    /// ten trillion dollars, above any compute contract ever signed.
    pub const MAX_USD: f64 = 1e13;
    /// Model size, billions of parameters (`params_billion`, `min_params_billion`).
    pub const MAX_PARAMS_BILLION: f64 = 1e6;
}

/// Why `id` cannot be an id, if it cannot.
///
/// Ids are written to `schedule.csv` and read back by `check`, which trims each cell, and are
/// shown in reports: an id must be non-empty, with no leading or trailing whitespace and no
/// control characters (tab, newline, ...). Every other character is allowed.
pub fn id_problem(id: &str) -> Option<&'static str> {
    if id.is_empty() {
        Some("is empty")
    } else if id.trim() != id {
        Some("starts or ends with whitespace")
    } else if id.chars().any(char::is_control) {
        Some("contains a control character (tab, newline, ...)")
    } else {
        None
    }
}

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Free text shown in reports.
    #[serde(default)]
    pub description: Option<String>,
    /// The planning horizon.
    pub horizon: HorizonSpec,
    /// Chips beyond the reference set in `data/chips.toml` (same fields).
    #[serde(default)]
    pub chips: Vec<ChipSpec>,
    /// Accelerator clusters that can be planned on.
    #[serde(default)]
    pub clusters: Vec<ClusterSpec>,
    /// Training-type and inference workloads.
    #[serde(default)]
    pub workloads: Vec<WorkloadSpec>,
    /// Compute contracts: discounts, floors, placement rules.
    #[serde(default)]
    pub contracts: Vec<ContractSpec>,
    /// A re-plan kept in the file: `capplan replan FILE` fixes the periods before `as_of` to
    /// the actuals and plans the rest (`capplan plan` ignores this table).
    #[serde(default)]
    pub replan: Option<ReplanSpec>,
}

/// A re-plan: the periods before `as_of` ran as the actuals file says; the rest is planned.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplanSpec {
    /// First day planned (`YYYY-MM-DD`): the first day of a period, or the day after the
    /// horizon. Every period before it is fixed to the actuals.
    #[schemars(with = "String")]
    pub as_of: Spanned<String>,
    /// What ran: a CSV with columns `period`, `cluster`, `workload`, `chip_hours` (the forms
    /// `capplan check` reads), or a `plan.json`; a path relative to this file.
    #[schemars(with = "String")]
    pub actuals: Spanned<String>,
    /// The plan this one replaces (`plan.json` or an `--out` folder), relative to this file:
    /// the re-plan says what changed against it.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub previous: Option<Spanned<String>>,
}

/// The planning horizon from `start`: either `periods` consecutive periods of one length
/// (`period`), or `segments`, a list of runs of periods of one length each, in order (weeks,
/// then months, then quarters). The two forms are exclusive.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HorizonSpec {
    /// First day of the first period (`YYYY-MM-DD`).
    #[schemars(with = "String")]
    pub start: Spanned<String>,
    /// Period length: `day` (24 h), `week` (168 h), `month` (calendar month) or `quarter`
    /// (three calendar months). Simple form, with `periods`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<PeriodLength>,
    /// Number of periods (1 to 10,000). Simple form, with `period`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u32>")]
    pub periods: Option<Spanned<u32>>,
    /// Segmented form, instead of `period` and `periods`: runs of periods, in order, e.g.
    /// `[{ period = "week", count = 13 }, { period = "month", count = 9 }]`. 10,000 periods at most
    /// in all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Vec<SegmentSpec>>")]
    pub segments: Option<Spanned<Vec<SegmentSpec>>>,
}

/// One run of periods of one length in a segmented horizon.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SegmentSpec {
    /// Period length: `day`, `week`, `month` or `quarter`.
    pub period: PeriodLength,
    /// Number of periods of that length (1 or more).
    pub count: u32,
}

/// Length of one planning period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PeriodLength {
    /// 24 hours.
    Day,
    /// 168 hours.
    Week,
    /// One calendar month (28 to 31 days).
    Month,
    /// Three calendar months (90 to 92 days).
    Quarter,
}

impl PeriodLength {
    /// The spelling used in files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodLength::Day => "day",
            PeriodLength::Week => "week",
            PeriodLength::Month => "month",
            PeriodLength::Quarter => "quarter",
        }
    }

    /// Reads a spelling of [`PeriodLength::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Day, Self::Week, Self::Month, Self::Quarter]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// Reference specification of one chip type (`data/chips.toml` or a model's `[[chips]]`).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChipSpec {
    /// Identifier used by clusters and workloads (`trainium2`, `h100`, ...): non-empty, no
    /// leading or trailing whitespace, no control characters.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Chip family: `trainium`, `inferentia`, `gpu`, `tpu` or any other; default MFU is per family.
    pub family: String,
    /// Vendor.
    #[serde(default)]
    pub vendor: Option<String>,
    /// Peak dense BF16 throughput, TFLOPS per chip (above 0, at most [`limits::MAX_TFLOPS`]).
    pub bf16_tflops: f64,
    /// Peak dense FP8 throughput, TFLOPS per chip (at most [`limits::MAX_TFLOPS`]); absent where
    /// no public figure exists.
    #[serde(default)]
    pub fp8_tflops: Option<f64>,
    /// Accelerator memory per chip, GiB.
    #[serde(default)]
    pub hbm_gib: Option<f64>,
    /// Key of the public source of these figures.
    pub source: String,
}

/// Default training efficiency of a chip family (`data/chips.toml`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FamilySpec {
    /// Family identifier.
    pub id: String,
    /// Default model FLOPs utilization for training, 0 to 1; absent where none is published.
    #[serde(default)]
    pub default_mfu: Option<f64>,
    /// Key of the public source.
    pub source: String,
}

/// The reference data file `data/chips.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceData {
    /// Chip specifications.
    pub chips: Vec<ChipSpec>,
    /// Default efficiencies per family.
    pub families: Vec<FamilySpec>,
    /// Source key to citation.
    pub sources: BTreeMap<String, String>,
}

/// A quantity given per period: one number for every period, a list with one number per
/// period, a ramp `{ from = A, to = B }` linear in time from the middle of the first period to
/// the middle of the last (each period gets its middle's value), a rate
/// `{ per_hour = X }` or `{ per_day = X }` (demand: times each period's hours), or values by date
/// range `[{ from = "2027-04-01", per_hour = 9600 }, ...]` (each holds from its date to the next
/// entry's; `value` instead of a rate for levels such as chips). Anything else is refused with a
/// message naming these forms and what was found.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum PerPeriod {
    /// The same value in every period.
    Constant(f64),
    /// One value per period, in order.
    List(Vec<f64>),
    /// Linear in time from `from` at the middle of the first period to `to` at the middle of
    /// the last; each period gets the value at its middle (its average over the period). On
    /// periods of one length, the same as linear by period number.
    Ramp {
        /// Value in the first period.
        from: f64,
        /// Value in the last period.
        to: f64,
    },
    /// A rate, turned into each period's quantity by its hours.
    Rate(Rate),
    /// Values by date range, in order of their dates.
    Dated(Vec<Dated>),
}

/// A rate or a level: exactly one of its fields.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rate {
    /// Per hour.
    PerHour(f64),
    /// Per day (24 hours).
    PerDay(f64),
    /// A level held over time (chips available), averaged over each period by its hours.
    Value(f64),
}

/// One entry of a by-date quantity: from its date to the next entry's (or for ever).
#[derive(Debug, Clone, Serialize)]
pub struct Dated {
    /// First day it holds (`YYYY-MM-DD`).
    pub from: PeriodRef,
    /// The rate or level from that day.
    #[serde(flatten)]
    pub rate: Rate,
}

/// How a cluster is paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Billing {
    /// Only chip-hours used are paid.
    PerUse,
    /// Every available chip-hour is paid, used or not (dedicated capacity).
    Reserved,
}

/// What a public rate is: the baseline a contract discount is measured against.
///
/// Spelled `on-demand`, `reserved-1yr`, `reserved-3yr`, `capacity-block`. The spellings
/// `reserved1yr` and `reserved3yr`, the only ones earlier versions accepted, still parse.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema, PartialOrd, Ord,
)]
#[serde(rename_all = "kebab-case")]
pub enum PriceBasis {
    /// Public on-demand price.
    OnDemand,
    /// Public 1-year reserved price.
    #[serde(rename = "reserved-1yr", alias = "reserved1yr")]
    Reserved1yr,
    /// Public 3-year reserved price.
    #[serde(rename = "reserved-3yr", alias = "reserved3yr")]
    Reserved3yr,
    /// Capacity block (reserved ahead, paid upfront).
    CapacityBlock,
}

impl PriceBasis {
    /// The spelling used in files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            PriceBasis::OnDemand => "on-demand",
            PriceBasis::Reserved1yr => "reserved-1yr",
            PriceBasis::Reserved3yr => "reserved-3yr",
            PriceBasis::CapacityBlock => "capacity-block",
        }
    }
}

/// One accelerator cluster.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    /// Unique identifier: non-empty, no leading or trailing whitespace, no control characters.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// Provider (`aws`, `gcp`, `azure`, `own`, ...).
    pub provider: String,
    /// Region (`us-east-1`, ...).
    #[serde(default)]
    pub region: Option<String>,
    /// Chip type: an id from `data/chips.toml` or the model's `[[chips]]`.
    pub chip: String,
    /// Chips available in each period (a number, a list per period, or `{ from, to }`), 0 to
    /// [`limits::MAX_CHIPS`].
    pub chips: PerPeriod,
    /// `per-use` (pay chip-hours used) or `reserved` (pay every available chip-hour).
    pub billing: Billing,
    /// Public rate, USD per chip-hour, before any contract discount (0 to
    /// [`limits::MAX_USD_PER_CHIP_HOUR`]).
    pub usd_per_chip_hour: f64,
    /// What the public rate is: `on-demand`, `reserved-1yr`, `reserved-3yr`, `capacity-block`.
    pub price_basis: PriceBasis,
    /// Where the rate comes from (a key of `data/prices.md`, or `assumption`).
    #[serde(default)]
    pub price_source: Option<String>,
    /// Contract whose discount and floors cover this cluster.
    #[serde(default)]
    pub contract: Option<String>,
}

/// Kind of workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum WorkloadKind {
    /// Pre-training run (work in PFLOP).
    PreTraining,
    /// Post-training (fine-tuning, RL) run.
    PostTraining,
    /// Evaluation suite.
    Evaluation,
    /// Data processing job.
    DataProcessing,
    /// Inference service (demand per period).
    Inference,
}

impl WorkloadKind {
    /// Whether the workload is a finite amount of work (everything but inference).
    pub fn is_training(self) -> bool {
        self != WorkloadKind::Inference
    }

    /// The spelling used in files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::PreTraining => "pre-training",
            WorkloadKind::PostTraining => "post-training",
            WorkloadKind::Evaluation => "evaluation",
            WorkloadKind::DataProcessing => "data-processing",
            WorkloadKind::Inference => "inference",
        }
    }
}

/// Numeric precision training work runs at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// BF16 peak throughput.
    #[default]
    Bf16,
    /// FP8 peak throughput (chips without a published FP8 figure cannot run it).
    Fp8,
}

/// A period given as a number (1 is the first period) or a date inside the horizon, quoted
/// (`"2027-03-01"`) or as a TOML date (`2027-03-01`).
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum PeriodRef {
    /// Period number, 1-based.
    Index(i64),
    /// A `YYYY-MM-DD` date: the period containing it.
    Date(String),
}

/// Work of a training-type workload expressed as chip-hours on a reference chip.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferenceWork {
    /// Reference chip id.
    pub chip: String,
    /// Chip-hours the work takes on that chip (at the workload's efficiency there), above 0 and
    /// at most [`limits::MAX_WORK_CHIP_HOURS`].
    pub chip_hours: f64,
}

/// One workload. Training-type kinds use `work_pflop` (or `work_chip_hours`) and the
/// efficiency fields; `inference` uses `demand` and `throughput`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSpec {
    /// Unique identifier: non-empty, no leading or trailing whitespace, no control characters.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// `pre-training`, `post-training`, `evaluation`, `data-processing` or `inference`.
    pub kind: WorkloadKind,
    /// Model size, billions of parameters (placement rules use it), 0 to
    /// [`limits::MAX_PARAMS_BILLION`].
    #[serde(default)]
    pub params_billion: Option<f64>,
    /// Training: work to do, PFLOP (10^15 floating-point operations) of model FLOPs, above 0 and
    /// at most [`limits::MAX_WORK_PFLOP`].
    #[serde(default)]
    pub work_pflop: Option<f64>,
    /// Training: work as chip-hours on a reference chip (alternative to `work_pflop`).
    #[serde(default)]
    pub work_chip_hours: Option<ReferenceWork>,
    /// Training: precision whose peak applies (`bf16`, default, or `fp8`).
    #[serde(default)]
    pub precision: Precision,
    /// Training: MFU per chip id (0 to 1), overriding the family defaults.
    #[serde(default)]
    pub mfu: BTreeMap<String, f64>,
    /// First period the workload may receive compute (default: 1).
    #[serde(default)]
    pub release: Option<PeriodRef>,
    /// Training: last period it may receive compute; all work done by its end (default: last).
    #[serde(default)]
    pub deadline: Option<PeriodRef>,
    /// Chip ids it may run on (default: all; for inference, the keys of `throughput`).
    #[serde(default)]
    pub chips: Option<Vec<String>>,
    /// Providers it may run on (default: all).
    #[serde(default)]
    pub providers: Option<Vec<String>>,
    /// Regions it may run on (default: all).
    #[serde(default)]
    pub regions: Option<Vec<String>>,
    /// Most chips it may use at once, summed over clusters (default: unlimited), above 0 and at
    /// most [`limits::MAX_WORKLOAD_CHIPS`].
    #[serde(default)]
    pub max_chips: Option<f64>,
    /// Ids of workloads that must finish before this one receives any compute.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub after: Vec<Spanned<String>>,
    /// Inference: unit of demand (`Mtok`, `requests`, ...), for reports.
    #[serde(default)]
    pub demand_unit: Option<String>,
    /// Inference: demand per period, in `demand_unit`, 0 to [`limits::MAX_DEMAND`].
    #[serde(default)]
    pub demand: Option<PerPeriod>,
    /// Inference: `demand_unit`s served per chip-hour, per chip id; also the allowed chips.
    /// Each above 0 and at most [`limits::MAX_THROUGHPUT`].
    #[serde(default)]
    pub throughput: BTreeMap<String, f64>,
    /// Inference: whether every unit of demand must be served (default true unless a penalty is given).
    #[serde(default)]
    pub must_serve: Option<bool>,
    /// Inference: USD charged per unit of demand not served (makes demand soft), 0 to
    /// [`limits::MAX_USD_PER_UNIT`].
    #[serde(default)]
    pub unmet_penalty_usd: Option<f64>,
    /// Inference: revenue per unit served, USD (contracts' revenue shares apply to it), 0 to
    /// [`limits::MAX_USD_PER_UNIT`].
    #[serde(default)]
    pub revenue_usd_per_unit: Option<f64>,
}

/// A compute contract with one provider.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractSpec {
    /// Unique identifier: non-empty, no leading or trailing whitespace, no control characters.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// Provider the contract is with; its clusters name it in `contract`.
    pub provider: String,
    /// First day of the term (`YYYY-MM-DD`); every horizon period of a covered cluster must
    /// start inside the term.
    pub start: String,
    /// Last day of the term (`YYYY-MM-DD`).
    pub end: String,
    /// Discount off the public rate, as a fraction (0.15 = 15%).
    #[serde(default)]
    pub discount: f64,
    /// The price basis the discount applies to; covered clusters must quote that basis.
    pub baseline: PriceBasis,
    /// Fraction of `revenue_usd_per_unit` owed on inference served on covered clusters.
    #[serde(default)]
    pub inference_revenue_share: f64,
    /// Minimum spend per contract period (take-or-pay).
    #[serde(default)]
    pub spend_floors: Vec<SpendFloorSpec>,
    /// Minimum utilization of dedicated clusters.
    #[serde(default)]
    pub utilization_floors: Vec<UtilizationFloorSpec>,
    /// Placement rules for large training runs.
    #[serde(default)]
    pub placement: Vec<PlacementSpec>,
}

/// A spend floor for one contract period: shortfall under it is billed.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpendFloorSpec {
    /// Label (`2027`, `2027-Q1`).
    pub name: String,
    /// First day of the contract period.
    pub start: String,
    /// Last day of the contract period.
    pub end: String,
    /// Minimum spend at contract prices over the contract period, USD (0 to [`limits::MAX_USD`],
    /// like the two amounts below).
    pub floor_usd: f64,
    /// Spend in the contract period before the horizon starts, USD.
    #[serde(default)]
    pub spent_before_usd: f64,
    /// Forecast spend in the contract period after the horizon ends, USD.
    #[serde(default)]
    pub forecast_after_usd: f64,
}

/// At least `min_fraction` of a dedicated cluster's chip-hours must be used in each period.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UtilizationFloorSpec {
    /// Cluster id (must be covered by this contract).
    pub cluster: String,
    /// Fraction of available chip-hours, 0 to 1.
    pub min_fraction: f64,
    /// USD per chip-hour below the floor (0 to [`limits::MAX_USD_PER_UNIT`]); absent makes the
    /// floor hard.
    #[serde(default)]
    pub penalty_usd_per_chip_hour: Option<f64>,
}

/// Training runs above `min_params_billion` must run on this contract's provider only.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlacementSpec {
    /// Threshold, billions of parameters (strictly above it the rule applies), 0 to
    /// [`limits::MAX_PARAMS_BILLION`].
    pub min_params_billion: f64,
}

/// What [`PerPeriod`] accepts, for messages.
const PER_PERIOD_FORMS: &str = "a number, a list of one number per period, or { from = A, to = B }; or a rate, { per_hour = X } or { per_day = X }; or a list of { from = DATE, per_hour = X } (or per_day, or value)";

impl<'de> Deserialize<'de> for PerPeriod {
    // Hand-written rather than `untagged`: serde's untagged enums say only "data did not match
    // any variant", which tells the user neither what was found nor what would do.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PerPeriod;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(PER_PERIOD_FORMS)
            }
            fn visit_i64<E: de::Error>(self, x: i64) -> Result<PerPeriod, E> {
                Ok(PerPeriod::Constant(x as f64))
            }
            fn visit_u64<E: de::Error>(self, x: u64) -> Result<PerPeriod, E> {
                Ok(PerPeriod::Constant(x as f64))
            }
            fn visit_f64<E: de::Error>(self, x: f64) -> Result<PerPeriod, E> {
                Ok(PerPeriod::Constant(x))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PerPeriod, A::Error> {
                let (mut numbers, mut dated) = (Vec::new(), Vec::new());
                while let Some(item) = seq.next_element::<Item>()? {
                    match item {
                        Item::Number(x) => numbers.push(x),
                        Item::Dated(x) => dated.push(x),
                    }
                    if !numbers.is_empty() && !dated.is_empty() {
                        return Err(de::Error::custom(
                            "a list mixes numbers and { from = DATE, ... } entries: give one number per period, or dated entries only",
                        ));
                    }
                }
                Ok(if dated.is_empty() {
                    PerPeriod::List(numbers)
                } else {
                    PerPeriod::Dated(dated)
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PerPeriod, A::Error> {
                const KEYS: &[&str] = &["from", "to", "per_hour", "per_day"];
                let mut slots: [Option<f64>; 4] = [None; 4];
                while let Some(key) = map.next_key::<String>()? {
                    let Some(k) = KEYS.iter().position(|x| *x == key) else {
                        return Err(de::Error::unknown_field(&key, KEYS));
                    };
                    if slots[k].is_some() {
                        return Err(de::Error::custom(format!("`{key}` given twice")));
                    }
                    slots[k] = Some(map.next_value::<Number>()?.0);
                }
                match slots {
                    [None, None, Some(x), None] => Ok(PerPeriod::Rate(Rate::PerHour(x))),
                    [None, None, None, Some(x)] => Ok(PerPeriod::Rate(Rate::PerDay(x))),
                    [from, to, None, None] => Ok(PerPeriod::Ramp {
                        from: from.ok_or_else(|| de::Error::missing_field("from"))?,
                        to: to.ok_or_else(|| de::Error::missing_field("to"))?,
                    }),
                    _ => Err(de::Error::custom(
                        "give { from = A, to = B }, { per_hour = X } or { per_day = X }, not a mix",
                    )),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// An entry of a per-period list: a number, or a `{ from = DATE, per_hour = X }` table.
enum Item {
    Number(f64),
    Dated(Dated),
}

impl<'de> Deserialize<'de> for Item {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Item;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or { from = DATE, per_hour = X } (or per_day, or value)")
            }
            fn visit_i64<E: de::Error>(self, x: i64) -> Result<Item, E> {
                Ok(Item::Number(x as f64))
            }
            fn visit_u64<E: de::Error>(self, x: u64) -> Result<Item, E> {
                Ok(Item::Number(x as f64))
            }
            fn visit_f64<E: de::Error>(self, x: f64) -> Result<Item, E> {
                Ok(Item::Number(x))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Item, A::Error> {
                const KEYS: &[&str] = &["from", "per_hour", "per_day", "value"];
                let (mut from, mut rate) = (None, None);
                while let Some(key) = map.next_key::<String>()? {
                    let r = match key.as_str() {
                        "from" if from.is_none() => {
                            from = Some(map.next_value::<PeriodRef>()?);
                            continue;
                        }
                        "per_hour" => Rate::PerHour,
                        "per_day" => Rate::PerDay,
                        "value" => Rate::Value,
                        "from" => return Err(de::Error::custom("`from` given twice")),
                        _ => return Err(de::Error::unknown_field(&key, KEYS)),
                    };
                    if rate.is_some() {
                        return Err(de::Error::custom(
                            "give one of per_hour, per_day or value per entry",
                        ));
                    }
                    rate = Some(r(map.next_value::<Number>()?.0));
                }
                Ok(Item::Dated(Dated {
                    from: from.ok_or_else(|| de::Error::missing_field("from"))?,
                    rate: rate.ok_or_else(|| de::Error::missing_field("per_hour"))?,
                }))
            }
        }
        d.deserialize_any(V)
    }
}

/// One number inside a per-period list or ramp (integer or float in the file).
struct Number(f64);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Number;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E: de::Error>(self, x: i64) -> Result<Number, E> {
                Ok(Number(x as f64))
            }
            fn visit_u64<E: de::Error>(self, x: u64) -> Result<Number, E> {
                Ok(Number(x as f64))
            }
            fn visit_f64<E: de::Error>(self, x: f64) -> Result<Number, E> {
                Ok(Number(x))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for PeriodRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PeriodRef;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a period number (1 is the first) or a date \"YYYY-MM-DD\"")
            }
            fn visit_i64<E: de::Error>(self, x: i64) -> Result<PeriodRef, E> {
                Ok(PeriodRef::Index(x))
            }
            fn visit_u64<E: de::Error>(self, x: u64) -> Result<PeriodRef, E> {
                Ok(PeriodRef::Index(i64::try_from(x).unwrap_or(i64::MAX)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<PeriodRef, E> {
                Ok(PeriodRef::Date(s.to_string()))
            }
            // An unquoted TOML date arrives as toml's private one-key datetime map.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PeriodRef, A::Error> {
                match map.next_key::<String>()? {
                    Some(k) if k == TOML_DATETIME_KEY => {
                        Ok(PeriodRef::Date(map.next_value::<String>()?))
                    }
                    _ => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// The key under which the toml crate hands a datetime to a visitor's `visit_map`.
const TOML_DATETIME_KEY: &str = "$__toml_private_datetime";

#[cfg(test)]
mod tests {
    use super::id_problem;

    #[test]
    fn ids_that_do_not_survive_a_csv_round_trip_are_refused() {
        assert_eq!(id_problem("h100-pool"), None);
        assert_eq!(id_problem("a b/ü=1"), None);
        assert_eq!(id_problem(""), Some("is empty"));
        assert!(id_problem(" a").is_some() && id_problem("a\u{a0}").is_some());
        assert!(id_problem("a\tb").unwrap().contains("control"));
        assert!(id_problem("a\u{7}").is_some());
    }
}
