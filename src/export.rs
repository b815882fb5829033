//! Writers for the exact program that is solved: MPS and CPLEX LP formats.
