//! Writes a synthetic ActivityWatch export: `cargo run --release --example synth_export -- EVENTS OUT.json`.
fn main() {
    let mut args = std::env::args().skip(1);
    let total: usize = args.next().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let out = args.next().unwrap_or_else(|| "export.json".to_string());
    let mut file = std::io::BufWriter::new(std::fs::File::create(&out).expect("create output"));
    let written =
        tally::synth::write_aw_export(&mut file, tally::synth::shape_for_total(total, 42))
            .expect("write");
    eprintln!("{written} events written to {out}");
}
