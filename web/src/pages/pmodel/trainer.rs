//! The live GAN's training: the networks and their run, one tick of steps and the
//! read-back, and the loop that repeats ticks while the page plays.

use std::cell::RefCell;
use std::rc::Rc;

use latentlab_model::burn::prelude::*;
use latentlab_model::gan::Prior;
use latentlab_model::gan::toy::{ToyGan, ToyGanConfig};
use latentlab_sampling::catalogue::Named;
use latentlab_sampling::continuous::inverse_transform;
use latentlab_sampling::fit::kolmogorov_smirnov;
use latentlab_sampling::normal::normal_quantile;
use latentlab_sampling::{Continuous, SeededRng};
use yew::prelude::*;

use crate::pages::shared::plot_range;
use crate::services::engine::yield_to_browser;

/// Draws of z whose G(z) make the P_model histogram and the KS distance.
pub const PROBE_SAMPLES: usize = 2000;
/// z values (evenly spaced quantiles of the prior) drawn as lines to their G(z).
pub const MAP_LINES: usize = 41;
/// Points of the D(x) curve.
pub const CURVE_POINTS: usize = 161;
/// KS points kept for the curve (older ones are thinned out).
pub const KS_KEPT: usize = 400;

/// What the page draws after each tick, read back from the networks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub steps: usize,
    /// G(z) of the probe draws.
    pub generated: Vec<f64>,
    /// G(z) of the map's evenly spaced z.
    pub mapped: Vec<f64>,
    /// D(x) over the plot range.
    pub discriminator: Vec<f64>,
    /// (step, KS(P_model, P_data)) so far.
    pub ks: Vec<(usize, f64)>,
    pub losses: Option<(f64, f64)>,
    /// Mean |D(x) - 1/2| where P_data has mass: 0 when D cannot tell real from fake.
    pub d_gap: f64,
}

/// The GAN being trained and everything fixed for its run.
pub struct Trainer {
    pub gan: ToyGan,
    target: Named,
    data_rng: SeededRng,
    /// Probe z then the map's z, one tensor's worth.
    z: Vec<f32>,
    xs: Vec<f32>,
    ks: Vec<(usize, f64)>,
    /// Which run this is: a read that finishes after a restart is dropped.
    pub generation: u64,
}

/// The range a prior's z is drawn over, for the map.
pub fn prior_range(prior: Prior) -> (f64, f64) {
    match prior {
        Prior::Uniform => (-1.0, 1.0),
        Prior::Normal => (-3.0, 3.0),
    }
}

/// Evenly spaced quantiles of the prior: the map's lines keep their order if G is monotone.
pub fn map_z(prior: Prior) -> Vec<f32> {
    (0..MAP_LINES)
        .map(|i| {
            let p = (i as f64 + 0.5) / MAP_LINES as f64;
            match prior {
                Prior::Uniform => (2.0 * p - 1.0) as f32,
                Prior::Normal => normal_quantile(p) as f32,
            }
        })
        .collect()
}

impl Trainer {
    pub fn new(target: Named, config: ToyGanConfig, seed: u64, generation: u64) -> Self {
        let device = Device::flex().autodiff();
        let range = plot_range(&target);
        let mut z = config
            .prior
            .sample(&mut SeededRng::new(seed ^ 0x9B0B), PROBE_SAMPLES);
        z.extend(map_z(config.prior));
        let xs = (0..CURVE_POINTS)
            .map(|i| (range.0 + (range.1 - range.0) * i as f64 / (CURVE_POINTS - 1) as f64) as f32)
            .collect();
        Self {
            gan: ToyGan::new(config, &device, seed),
            target,
            data_rng: SeededRng::new(seed ^ 0xDA7A),
            z,
            xs,
            ks: Vec::new(),
            generation,
        }
    }

    /// `steps` training steps; returns what to read back (nothing is read yet).
    fn advance(&mut self, steps: usize) -> (Tensor<1>, Tensor<1>, Option<(Tensor<1>, Tensor<1>)>) {
        let mut losses = None;
        for _ in 0..steps {
            let real: Vec<f32> =
                inverse_transform(&self.target, &mut self.data_rng, self.gan.config.batch)
                    .into_iter()
                    .map(|v| v as f32)
                    .collect();
            let step = self.gan.step(&real);
            losses = Some((step.discriminator, step.generator));
        }
        let probe = self.gan.probe(&self.z, &self.xs);
        (probe.generated, probe.discriminator, losses)
    }
}

async fn read(tensor: Tensor<1>) -> Result<Vec<f64>, String> {
    let data = tensor
        .into_data_async()
        .await
        .map_err(|e| format!("reading the GAN failed: {e:?}"))?;
    let values: Vec<f32> = data
        .try_to_vec()
        .map_err(|e| format!("unexpected tensor data: {e:?}"))?;
    Ok(values.into_iter().map(f64::from).collect())
}

/// Runs `steps` steps, reads the networks back and publishes a snapshot. A read that
/// finishes after a restart belongs to the old run and is dropped.
pub async fn run_once(
    trainer: &Rc<RefCell<Option<Trainer>>>,
    steps: usize,
    publish: &UseStateHandle<Snapshot>,
) {
    let work = trainer
        .borrow_mut()
        .as_mut()
        .map(|t| (t.generation, t.advance(steps)));
    let Some((generation, (generated, discriminator, losses))) = work else {
        return;
    };
    let read_all = async {
        let generated = read(generated).await?;
        let discriminator = read(discriminator).await?;
        let losses = match losses {
            Some((d, g)) => Some((read(d).await?[0], read(g).await?[0])),
            None => None,
        };
        Ok::<_, String>((generated, discriminator, losses))
    };
    let Ok((mut generated, discriminator, losses)) = read_all.await else {
        return;
    };
    let mut guard = trainer.borrow_mut();
    let Some(t) = guard.as_mut().filter(|t| t.generation == generation) else {
        return;
    };
    let mapped = generated.split_off(PROBE_SAMPLES);
    let ks = kolmogorov_smirnov(&generated, |v| t.target.cdf(v)).statistic;
    t.ks.push((t.gan.steps(), ks));
    if t.ks.len() > KS_KEPT {
        // Keep the first point and every other later one: the curve's shape stays.
        let first = t.ks[0];
        t.ks = std::iter::once(first)
            .chain(t.ks.iter().skip(1).step_by(2).copied())
            .collect();
    }
    publish.set(Snapshot {
        d_gap: discriminator_gap(&t.target, &t.xs, &discriminator),
        steps: t.gan.steps(),
        generated,
        mapped,
        discriminator,
        ks: t.ks.clone(),
        losses,
    });
}

/// Trains while `running`: `steps_per_tick` steps, a redraw, then the browser's turn
/// (input, painting) before the next tick, so the page never freezes and ticks never
/// overlap.
pub async fn train_while_running(
    trainer: Rc<RefCell<Option<Trainer>>>,
    running: Rc<RefCell<bool>>,
    steps_per_tick: Rc<RefCell<usize>>,
    publish: UseStateHandle<Snapshot>,
) {
    while *running.borrow() {
        let steps = *steps_per_tick.borrow();
        run_once(&trainer, steps, &publish).await;
        yield_to_browser().await;
    }
}

/// Mean |D(x) - 1/2| over the `xs` where P_data's density is at least a tenth of its
/// peak: how sure D still is where the data lives.
pub fn discriminator_gap(target: &Named, xs: &[f32], d: &[f64]) -> f64 {
    let pdf: Vec<f64> = xs.iter().map(|&x| target.pdf(f64::from(x))).collect();
    let peak = pdf.iter().copied().fold(0.0, f64::max);
    let gaps: Vec<f64> = pdf
        .iter()
        .zip(d)
        .filter(|(p, _)| **p >= 0.1 * peak)
        .map(|(_, d)| (d - 0.5).abs())
        .collect();
    gaps.iter().sum::<f64>() / gaps.len().max(1) as f64
}
