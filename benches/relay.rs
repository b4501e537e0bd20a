//! Relay benchmarks (placeholder until written).
fn main() {}
