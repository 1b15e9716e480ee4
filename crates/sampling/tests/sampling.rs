//! Published values, and samplers that pass goodness of fit at fixed seeds while
//! deliberately wrong ones fail it (so the tests can fail).

use latentlab_sampling::continuous::{envelope_violations, inverse_transform, rejection};
use latentlab_sampling::fit::{chi_square, histogram, kolmogorov_smirnov, kolmogorov_tail};
use latentlab_sampling::{
    Continuous, Discrete, Exponential, Mixture, Normal, PiecewiseLinear, SeededRng, Uniform,
};

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance
}

fn bimodal() -> Mixture {
    Mixture::new(&[
        (
            0.3,
            Normal {
                mean: -2.0,
                sd: 0.7,
            },
        ),
        (0.7, Normal { mean: 1.5, sd: 1.0 }),
    ])
    .unwrap()
}

fn triangle() -> PiecewiseLinear {
    PiecewiseLinear::new(&[(0.0, 0.0), (1.0, 5.0), (2.0, 0.0)]).unwrap()
}

#[test]
fn quantiles_and_p_values_match_published_values() {
    let exp = Exponential { rate: 2.0 };
    assert!(close(
        exp.quantile(0.5),
        std::f64::consts::LN_2 / 2.0,
        1e-12
    ));
    let normal = Normal { mean: 2.0, sd: 3.0 };
    assert!(close(
        normal.quantile(0.975),
        2.0 + 3.0 * 1.959_963_984_540_054,
        1e-6
    ));
    // Triangle on [0, 2]: F(x) = x^2 / 2 below the peak.
    assert!(close(triangle().quantile(0.125), 0.5, 1e-12));
    assert!(close(triangle().cdf(1.0), 0.5, 1e-12));
    // Chi-square 0.95 quantiles (dof 1: 3.841459, dof 5: 11.070498) leave p = 0.05.
    let p = |stat: f64, dof: usize| {
        latentlab_sampling::fit::upper_regularized_gamma(dof as f64 / 2.0, stat / 2.0)
    };
    assert!(close(p(3.841_459, 1), 0.05, 1e-6));
    assert!(close(p(11.070_498, 5), 0.05, 1e-6));
    // Kolmogorov: P(K > 1.358099) = 0.05.
    assert!(close(kolmogorov_tail(1.358_099), 0.05, 1e-5));
}

#[test]
fn every_quantile_inverts_its_cdf() {
    let dists: Vec<Box<dyn Continuous>> = vec![
        Box::new(Uniform {
            low: -1.0,
            high: 3.0,
        }),
        Box::new(Exponential { rate: 0.5 }),
        Box::new(Normal { mean: 0.0, sd: 1.0 }),
        Box::new(bimodal()),
        Box::new(triangle()),
    ];
    for dist in &dists {
        for p in [0.001, 0.1, 0.37, 0.5, 0.9, 0.999] {
            let x = dist.quantile(p);
            assert!(
                close(dist.cdf(x), p, 1e-7),
                "cdf(quantile({p})) = {}",
                dist.cdf(x)
            );
        }
    }
}

#[test]
fn a_fair_die_passes_chi_square_and_a_loaded_one_fails_it() {
    let fair = Discrete::fair(6);
    let throws = fair.throw(&mut SeededRng::new(2024), 6000);
    let mut counts = vec![0; 6];
    for face in throws {
        counts[face - 1] += 1;
    }
    let test = chi_square(&counts, fair.pmf());
    assert_eq!(test.degrees_of_freedom, 5);
    assert!(
        test.statistic < 20.515,
        "0.999 critical value exceeded: {test:?}"
    );

    let loaded = Discrete::new(&[1.0, 1.0, 1.0, 1.0, 1.0, 2.0]).unwrap();
    let mut counts = vec![0; 6];
    for face in loaded.throw(&mut SeededRng::new(2024), 6000) {
        counts[face - 1] += 1;
    }
    let wrong = chi_square(&counts, fair.pmf());
    assert!(
        wrong.p_value < 1e-6,
        "a loaded die must not pass as fair: {wrong:?}"
    );
}

#[test]
fn inverse_transform_samples_pass_ks_and_a_wrong_sampler_fails() {
    let mut rng = SeededRng::new(7);
    let dists: Vec<(&str, Box<dyn Continuous>)> = vec![
        ("exponential", Box::new(Exponential { rate: 1.5 })),
        ("normal", Box::new(Normal { mean: 1.0, sd: 2.0 })),
        ("mixture", Box::new(bimodal())),
        ("drawn", Box::new(triangle())),
    ];
    for (name, dist) in &dists {
        let samples: Vec<f64> = (0..5000)
            .map(|_| dist.quantile(rng.next_open01()))
            .collect();
        let test = kolmogorov_smirnov(&samples, |x| dist.cdf(x));
        assert!(test.p_value > 0.001, "{name}: {test:?}");
    }
    let standard = Normal { mean: 0.0, sd: 1.0 };
    let shifted = inverse_transform(&Normal { mean: 0.1, sd: 1.0 }, &mut rng, 20_000);
    let test = kolmogorov_smirnov(&shifted, |x| standard.cdf(x));
    assert!(test.p_value < 1e-6, "a shifted sampler must fail: {test:?}");
}

#[test]
fn rejection_accepts_one_in_m_and_a_bad_envelope_is_found_and_biased() {
    let target = bimodal();
    let (low, high) = (-6.0, 6.0);
    let proposal = Uniform { low, high };
    let peak = (0..=1200)
        .map(|k| target.pdf(low + k as f64 * 0.01))
        .fold(0.0, f64::max);
    let m = 1.5 * peak * (high - low);
    assert!(envelope_violations(&target, &proposal, m, (low, high), 1000).is_empty());
    let run = rejection(&target, &proposal, m, &mut SeededRng::new(1), 200_000, 100);
    let expected = 1.0 / m;
    assert!(
        (run.acceptance() - expected).abs() < 0.02 * expected,
        "acceptance {} vs 1/M {expected}",
        run.acceptance()
    );
    assert_eq!(run.points.len(), 100);
    let test = kolmogorov_smirnov(&run.accepted, |x| target.cdf(x));
    assert!(test.p_value > 0.001, "{test:?}");

    // A Gaussian proposal too narrow for the left mode: M q < p there.
    let narrow = Normal { mean: 1.5, sd: 1.0 };
    let bad = envelope_violations(&target, &narrow, 1.2, (low, high), 1000);
    assert!(bad.iter().any(|&(a, b)| a < -2.0 && b > -2.0), "{bad:?}");
    let run = rejection(&target, &narrow, 1.2, &mut SeededRng::new(1), 100_000, 0);
    let test = kolmogorov_smirnov(&run.accepted, |x| target.cdf(x));
    assert!(
        test.p_value < 1e-6,
        "samples under a bad envelope are biased: {test:?}"
    );
}

#[test]
fn histogram_of_many_draws_approaches_the_density() {
    let dist = triangle();
    let samples = inverse_transform(&dist, &mut SeededRng::new(3), 100_000);
    let counts = histogram(&samples, (0.0, 2.0), 20);
    for (b, &c) in counts.iter().enumerate() {
        let centre = 0.05 + 0.1 * b as f64;
        let density = c as f64 / (100_000.0 * 0.1);
        assert!(close(density, dist.pdf(centre), 0.03), "bin {b}: {density}");
    }
}
