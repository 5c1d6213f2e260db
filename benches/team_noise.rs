//! What the PostgreSQL sink's noise costs in accuracy (not run by CI): the relative error
//! of a team-week's active hours, summed over its category cells as an admin reads it,
//! for team sizes 5, 10, 20 and 50 at several ε per team-week. Each trial draws the
//! week's noise with the engine's own discrete Laplace function under a fresh key, the
//! scales the database uses (`NoiseStatement::new(ε, 7)`), over a synthetic team whose
//! members work 5 days of 4–8 active hours across 6 categories.
//!
//! `cargo bench -p tally --bench team_noise`

use tally::rollup::release::{discrete_laplace, NoiseStatement, DEFAULT_EPSILON};

const TRIALS: usize = 4000;
/// Shares of a working day per category (deep work, communication, meetings, planning,
/// research, admin).
const SHARES: [f64; 6] = [0.40, 0.20, 0.20, 0.05, 0.10, 0.05];

/// Seconds of active time per category for one team-week.
fn team_week(size: usize, rng: &mut fastrand::Rng) -> [i64; 6] {
    let mut cells = [0i64; 6];
    for _ in 0..size {
        for _day in 0..5 {
            let hours = 4.0 + 4.0 * rng.f64();
            for (c, share) in cells.iter_mut().zip(SHARES) {
                *c += (hours * share * 3600.0) as i64;
            }
        }
    }
    cells
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
}

fn main() {
    let mut rng = fastrand::Rng::with_seed(20_261_207);
    println!(
        "relative error of a team-week's active hours (median / 90th percentile of |error|), {TRIALS} trials each"
    );
    println!("default ε per team-week: {DEFAULT_EPSILON}");
    let epsilons = [4.0, 8.0, 12.0, 16.0, 24.0];
    print!("{:>6}", "size");
    for e in epsilons {
        print!("  {:>16}", format!("ε = {e}"));
    }
    println!();
    for size in [5, 10, 20, 50] {
        print!("{size:>6}");
        for epsilon in epsilons {
            let scale = NoiseStatement::new(epsilon, 7).scales[0];
            let mut errors: Vec<f64> = (0..TRIALS)
                .map(|t| {
                    let cells = team_week(size, &mut rng);
                    let key = rng.u64(..).to_le_bytes();
                    let exact: i64 = cells.iter().sum();
                    let noisy: i64 =
                        (0..cells.len()).map(|c| cells[c] + discrete_laplace(&key, &format!("{t}|{c}"), scale)).sum();
                    ((noisy - exact) as f64 / exact as f64).abs()
                })
                .collect();
            errors.sort_by(f64::total_cmp);
            print!("  {:>7.1}% /{:>6.1}%", 100.0 * quantile(&errors, 0.5), 100.0 * quantile(&errors, 0.9));
        }
        println!();
    }
}
