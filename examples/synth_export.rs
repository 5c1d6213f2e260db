//! Writes a synthetic ActivityWatch export:
//! `cargo run --release --example synth_export -- EVENTS OUT.json [now]`.
//! With `now` the generated timeline ends at the current time (demo data); without it,
//! at a fixed instant (reproducible benchmarks).
fn main() {
    let mut args = std::env::args().skip(1);
    let total: usize = args.next().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let out = args.next().unwrap_or_else(|| "export.json".to_string());
    let mut shape = tally::synth::shape_for_total(total, 42);
    if args.next().as_deref() == Some("now") {
        let now = chrono::Utc::now().timestamp();
        shape.end = now - now % 900;
    }
    let mut file = std::io::BufWriter::new(std::fs::File::create(&out).expect("create output"));
    let written = tally::synth::write_aw_export(&mut file, shape).expect("write");
    eprintln!("{written} synthetic events written to {out}");
}
