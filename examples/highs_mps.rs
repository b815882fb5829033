//! HiGHS's own time on an exported model: reads an MPS or LP file with `Highs_readModel` and
//! solves it with HiGHS's defaults, once per algorithm, printing read and run seconds.
//!
//! ```sh
//! cargo run --release --features highs -- plan scenario.toml --solver highs --export /tmp/m.mps
//! cargo run --release --features highs --example highs_mps -- /tmp/m.mps simplex ipm
//! ```
//! With no algorithm named, LPs are solved with `simplex` and `ipm`, MILPs with HiGHS's default.

use std::ffi::CString;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: highs_mps FILE.mps [simplex|ipm|pdlp|choose ...]");
        std::process::exit(2);
    };
    let mut algorithms: Vec<String> = args.collect();
    if algorithms.is_empty() {
        algorithms = vec!["simplex".into(), "ipm".into()];
    }
    let file = CString::new(path.clone()).expect("a path without NUL bytes");
    let mut best = f64::INFINITY;
    for algorithm in &algorithms {
        let option = CString::new(algorithm.as_str()).expect("no NUL");
        // SAFETY: the HiGHS C API on a handle we create and destroy here; strings outlive calls.
        unsafe {
            let h = highs_sys::Highs_create();
            highs_sys::Highs_setBoolOptionValue(h, c"output_flag".as_ptr(), 0);
            let t = Instant::now();
            let read = highs_sys::Highs_readModel(h, file.as_ptr());
            let read_seconds = t.elapsed().as_secs_f64();
            if read == highs_sys::STATUS_ERROR {
                // Read again with HiGHS's log on, to show why.
                highs_sys::Highs_setBoolOptionValue(h, c"output_flag".as_ptr(), 1);
                highs_sys::Highs_readModel(h, file.as_ptr());
                eprintln!("{path}: HiGHS cannot read it");
                std::process::exit(2);
            }
            highs_sys::Highs_setStringOptionValue(h, c"solver".as_ptr(), option.as_ptr());
            let t = Instant::now();
            highs_sys::Highs_run(h);
            let run_seconds = t.elapsed().as_secs_f64();
            let status = highs_sys::Highs_getModelStatus(h);
            let objective = highs_sys::Highs_getObjectiveValue(h);
            let mut gap = 0.0;
            highs_sys::Highs_getDoubleInfoValue(h, c"mip_gap".as_ptr(), &mut gap);
            println!(
                "{path}: solver={algorithm} status={status} objective={objective:.6} read_s={read_seconds:.3} run_s={run_seconds:.3} read+run_s={:.3}",
                read_seconds + run_seconds
            );
            if status == highs_sys::MODEL_STATUS_OPTIMAL {
                best = best.min(run_seconds);
            }
            highs_sys::Highs_destroy(h);
        }
    }
    println!("{path}: best run_s={best:.3}");
}
