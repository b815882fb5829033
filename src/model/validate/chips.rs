//! The `[[chips]]` tables: chip types added to the reference data.

use std::collections::HashMap;

use super::Validator;
use crate::error::fmt_value;
use crate::model::Chip;
use crate::schema::{id_problem, ChipSpec, ReferenceData, ScenarioFile};

impl Validator<'_> {
    /// The reference chips followed by the file's own `[[chips]]`.
    pub(super) fn chips(&mut self, f: &ScenarioFile, reference: &ReferenceData) -> Vec<Chip> {
        let mut families: HashMap<&str, Option<f64>> = HashMap::new();
        for fam in &reference.families {
            families.insert(fam.id.as_str(), fam.default_mfu);
        }
        let make = |c: &ChipSpec| Chip {
            id: c.id.clone(),
            family: c.family.clone(),
            bf16_tflops: c.bf16_tflops,
            fp8_tflops: c.fp8_tflops,
            default_mfu: families.get(c.family.as_str()).copied().flatten(),
            source: c.source.clone(),
        };
        let mut chips: Vec<Chip> = reference.chips.iter().map(make).collect();
        for (k, c) in f.chips.iter().enumerate() {
            let path = format!("chips[{k}]");
            if chips.iter().any(|x| x.id == c.id) {
                self.push(
                    &path,
                    None,
                    format!(
                        "chip \"{}\" is already defined (in data/chips.toml or above)",
                        c.id
                    ),
                    "give the chip a new id",
                );
                continue;
            }
            if let Some(why) = id_problem(&c.id) {
                self.push(
                    format!("{path}.id"),
                    None,
                    format!("chip id {:?} {why}", c.id),
                    "give the chip an id without surrounding whitespace or control characters",
                );
            }
            if !(c.bf16_tflops.is_finite() && c.bf16_tflops > 0.0) {
                self.push(
                    format!("{path}.bf16_tflops"),
                    None,
                    format!("{} TFLOPS", fmt_value(c.bf16_tflops)),
                    "give a positive finite number",
                );
            }
            if let Some(fp8) = c.fp8_tflops {
                if !(fp8.is_finite() && fp8 > 0.0) {
                    self.push(
                        format!("{path}.fp8_tflops"),
                        None,
                        format!("{} TFLOPS", fmt_value(fp8)),
                        "give a positive finite number or leave it out",
                    );
                }
            }
            chips.push(make(c));
        }
        chips
    }
}
