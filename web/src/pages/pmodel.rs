//! P_model vs P_data: a 1-D GAN trained live, a few steps per tick, so the histogram of
//! G(z) visibly moves onto the target's pdf while the discriminator's D(x) flattens
//! towards 1/2 where the two agree.

use std::cell::RefCell;
use std::rc::Rc;

use latentlab_model::burn::prelude::*;
use latentlab_model::gan::Prior;
use latentlab_model::gan::toy::{ToyGan, ToyGanConfig};
use latentlab_sampling::catalogue::{NAMES, Named, histogram_vs_density};
use latentlab_sampling::continuous::inverse_transform;
use latentlab_sampling::fit::kolmogorov_smirnov;
use latentlab_sampling::normal::normal_quantile;
use latentlab_sampling::{Continuous, SeededRng};
use wasm_bindgen_futures::spawn_local;
use web_sys::{HtmlCanvasElement, HtmlSelectElement};
use yew::prelude::*;

use super::shared::{BINS, keyword_select, lesson_select, plot_range};
use crate::hooks::use_app;
use crate::plot::{self, Axes, BLUE, GREY, ORANGE, TEAL};
use crate::route::limits::{GAN_LEARNING_RATES, GAN_STEPS_PER_TICK};
use crate::services::engine::yield_to_browser;
use crate::state::{Action, LessonChange};

/// Draws of z whose G(z) make the P_model histogram and the KS distance.
const PROBE_SAMPLES: usize = 2000;
/// z values (evenly spaced quantiles of the prior) drawn as lines to their G(z).
const MAP_LINES: usize = 41;
/// Points of the D(x) curve.
const CURVE_POINTS: usize = 161;
/// KS points kept for the curve (older ones are thinned out).
const KS_KEPT: usize = 400;

/// What the page draws after each tick, read back from the networks.
#[derive(Clone, Debug, Default, PartialEq)]
struct Snapshot {
    steps: usize,
    /// G(z) of the probe draws.
    generated: Vec<f64>,
    /// G(z) of the map's evenly spaced z.
    mapped: Vec<f64>,
    /// D(x) over the plot range.
    discriminator: Vec<f64>,
    /// (step, KS(P_model, P_data)) so far.
    ks: Vec<(usize, f64)>,
    losses: Option<(f64, f64)>,
    /// Mean |D(x) - 1/2| where P_data has mass: 0 when D cannot tell real from fake.
    d_gap: f64,
}

/// The GAN being trained and everything fixed for its run.
struct Trainer {
    gan: ToyGan,
    target: Named,
    data_rng: SeededRng,
    /// Probe z then the map's z, one tensor's worth.
    z: Vec<f32>,
    xs: Vec<f32>,
    ks: Vec<(usize, f64)>,
    /// Which run this is: a read that finishes after a restart is dropped.
    generation: u64,
}

/// The range a prior's z is drawn over, for the map.
fn prior_range(prior: Prior) -> (f64, f64) {
    match prior {
        Prior::Uniform => (-1.0, 1.0),
        Prior::Normal => (-3.0, 3.0),
    }
}

/// Evenly spaced quantiles of the prior: the map's lines keep their order if G is monotone.
fn map_z(prior: Prior) -> Vec<f32> {
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
    fn new(target: Named, config: ToyGanConfig, seed: u64, generation: u64) -> Self {
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
async fn run_once(
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
async fn train_while_running(
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
fn discriminator_gap(target: &Named, xs: &[f32], d: &[f64]) -> f64 {
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

fn draw_densities(canvas: &HtmlCanvasElement, target: &Named, range: (f64, f64), s: &Snapshot) {
    let Some(ctx) = plot::start(canvas, 640, 220) else {
        return;
    };
    let (observed, _) = histogram_vs_density(&s.generated, target, range, BINS);
    let pdf_top = (0..=200)
        .map(|i| target.pdf(range.0 + (range.1 - range.0) * f64::from(i) / 200.0))
        .fold(0.0f64, f64::max);
    let top = observed.iter().fold(pdf_top, |m, &v| m.max(v)) * 1.15;
    let axes = Axes {
        x: range,
        y: (0.0, top.max(1e-6)),
        rect: (30.0, 15.0, 590.0, 180.0),
    };
    plot::frame(&ctx, &axes, "x");
    plot::bars(&ctx, &axes, &observed, "#ee773399");
    plot::curve(&ctx, &axes, |x| target.pdf(x), BLUE, 2.5);
}

fn draw_discriminator(canvas: &HtmlCanvasElement, range: (f64, f64), s: &Snapshot) {
    let Some(ctx) = plot::start(canvas, 640, 130) else {
        return;
    };
    let axes = Axes {
        x: range,
        y: (0.0, 1.0),
        rect: (30.0, 10.0, 590.0, 90.0),
    };
    plot::frame(&ctx, &axes, "x");
    ctx.set_stroke_style_str(GREY);
    plot::line(&ctx, &axes, (range.0, 0.5), (range.1, 0.5));
    ctx.fill_text("1/2", 4.0, axes.py(0.5) + 4.0).ok();
    if s.discriminator.len() > 1 {
        let n = (s.discriminator.len() - 1) as f64;
        let at = |x: f64| {
            let i = ((x - range.0) / (range.1 - range.0) * n).round();
            s.discriminator[(i.max(0.0) as usize).min(s.discriminator.len() - 1)]
        };
        plot::curve(&ctx, &axes, at, TEAL, 2.5);
    }
}

/// z on the bottom axis, x = G(z) on the top one, a line from each z to its G(z).
fn draw_map(canvas: &HtmlCanvasElement, prior: Prior, range: (f64, f64), s: &Snapshot) {
    let Some(ctx) = plot::start(canvas, 640, 160) else {
        return;
    };
    let (left, right) = (30.0, 620.0);
    let (z_y, x_y) = (135.0, 25.0);
    let zr = prior_range(prior);
    let px = |v: f64, r: (f64, f64)| left + (v - r.0) / (r.1 - r.0) * (right - left);
    ctx.set_stroke_style_str(GREY);
    ctx.set_line_width(1.0);
    for y in [z_y, x_y] {
        ctx.begin_path();
        ctx.move_to(left, y);
        ctx.line_to(right, y);
        ctx.stroke();
    }
    ctx.set_fill_style_str("#333");
    ctx.fill_text(&format!("z ~ {} prior", prior.name()), left, z_y + 18.0)
        .ok();
    ctx.fill_text("x = G(z)", left, x_y - 8.0).ok();
    ctx.set_stroke_style_str(ORANGE);
    let z = map_z(prior);
    for (&zi, &xi) in z.iter().zip(&s.mapped) {
        let to = px(xi.clamp(range.0, range.1), range);
        ctx.begin_path();
        ctx.move_to(px(f64::from(zi), zr), z_y);
        ctx.line_to(to, x_y);
        ctx.stroke();
    }
}

fn draw_ks(canvas: &HtmlCanvasElement, s: &Snapshot) {
    let Some(ctx) = plot::start(canvas, 640, 120) else {
        return;
    };
    let last = s.ks.last().map_or(1, |p| p.0.max(1));
    let axes = Axes {
        x: (0.0, last as f64),
        y: (0.0, 1.0),
        rect: (30.0, 10.0, 590.0, 80.0),
    };
    plot::frame(&ctx, &axes, "training step");
    ctx.set_stroke_style_str(BLUE);
    ctx.set_line_width(2.0);
    ctx.begin_path();
    for (i, &(step, ks)) in s.ks.iter().enumerate() {
        let (x, y) = (axes.px(step as f64), axes.py(ks));
        if i == 0 {
            ctx.move_to(x, y);
        } else {
            ctx.line_to(x, y);
        }
    }
    ctx.stroke();
}

/// A `<select>` of fixed numeric choices.
fn number_select<T: Copy + PartialEq + ToString + std::str::FromStr + 'static>(
    dispatcher: &UseReducerDispatcher<crate::state::AppState>,
    id: &'static str,
    choices: &'static [T],
    current: T,
    change: fn(T) -> LessonChange,
) -> Html {
    let d = dispatcher.clone();
    let onchange = Callback::from(move |e: Event| {
        let s: HtmlSelectElement = e.target_unchecked_into();
        if let Ok(value) = s.value().parse() {
            d.dispatch(Action::Lesson(change(value)));
        }
    });
    html! {
        <select id={id} onchange={onchange}>
            { for choices.iter().map(|&c| html! {
                <option value={c.to_string()} selected={c == current}>{c.to_string()}</option>
            }) }
        </select>
    }
}

#[function_component(PModelPage)]
pub fn pmodel_page() -> Html {
    let app = use_app();
    let l = &app.view.lesson;
    let trainer = use_mut_ref(|| None::<Trainer>);
    let snapshot = use_state(Snapshot::default);
    // The training loop's flag (read by the loop) and its shown state (the button).
    let running = use_mut_ref(|| false);
    let playing = use_state(|| false);
    let steps_per_tick = use_mut_ref(|| l.steps_per_tick);
    *steps_per_tick.borrow_mut() = l.steps_per_tick;
    let refs = (
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
    );

    let target = Named::new(&l.dist, &l.drawn)
        .unwrap_or_else(|_| Named::new("mixture", &[]).expect("mixture"));
    let range = plot_range(&target);
    // A new target, prior or seed restarts training from fresh networks.
    {
        let (trainer, snapshot) = (trainer.clone(), snapshot.clone());
        let config = ToyGanConfig {
            prior: l.prior,
            generator_lr: l.generator_lr,
            discriminator_lr: l.discriminator_lr,
            ..ToyGanConfig::default()
        };
        let target = target.clone();
        use_effect_with(
            (l.dist.clone(), l.drawn.clone(), l.prior, l.seed),
            move |key| {
                let generation = trainer.borrow().as_ref().map_or(0, |t| t.generation + 1);
                *trainer.borrow_mut() = Some(Trainer::new(target, config, key.3, generation));
                snapshot.set(Snapshot::default());
                spawn_local(async move { run_once(&trainer, 0, &snapshot).await });
            },
        );
    }
    // Learning rates change the running GAN without restarting it.
    {
        let trainer = trainer.clone();
        let rates = (l.generator_lr, l.discriminator_lr);
        use_effect_with((rates.0.to_bits(), rates.1.to_bits()), move |_| {
            if let Some(t) = trainer.borrow_mut().as_mut() {
                t.gan.config.generator_lr = rates.0;
                t.gan.config.discriminator_lr = rates.1;
            }
        });
    }
    {
        // Leaving the page stops the loop.
        let running = running.clone();
        use_effect_with((), move |_| move || *running.borrow_mut() = false);
    }
    {
        let (density, discriminator, map, ks) = refs.clone();
        let prior = l.prior;
        let target = target.clone();
        use_effect_with((*snapshot).clone(), move |s| {
            if let Some(c) = density.cast::<HtmlCanvasElement>() {
                draw_densities(&c, &target, range, s);
            }
            if let Some(c) = discriminator.cast::<HtmlCanvasElement>() {
                draw_discriminator(&c, range, s);
            }
            if let Some(c) = map.cast::<HtmlCanvasElement>() {
                draw_map(&c, prior, range, s);
            }
            if let Some(c) = ks.cast::<HtmlCanvasElement>() {
                draw_ks(&c, s);
            }
        });
    }

    let dispatcher = app.dispatcher();
    let on_play = {
        let (trainer, running, playing) = (trainer.clone(), running.clone(), playing.clone());
        let (steps_per_tick, snapshot) = (steps_per_tick.clone(), snapshot.clone());
        Callback::from(move |_| {
            let start = !*running.borrow();
            *running.borrow_mut() = start;
            playing.set(start);
            if start {
                let args = (trainer.clone(), running.clone(), steps_per_tick.clone());
                spawn_local(train_while_running(
                    args.0,
                    args.1,
                    args.2,
                    snapshot.clone(),
                ));
            }
        })
    };
    let on_step = {
        let (trainer, running, snapshot) = (trainer.clone(), running.clone(), snapshot.clone());
        Callback::from(move |_| {
            if !*running.borrow() {
                let (trainer, snapshot) = (trainer.clone(), snapshot.clone());
                spawn_local(async move { run_once(&trainer, 1, &snapshot).await });
            }
        })
    };
    let on_reset = {
        let d = dispatcher.clone();
        let seed = l.seed;
        Callback::from(move |_| {
            d.dispatch(Action::Lesson(LessonChange::Seed(seed.wrapping_add(1))))
        })
    };
    let s = &*snapshot;
    let ks_now = s.ks.last().map(|p| p.1);
    let status = match (ks_now, s.losses) {
        (Some(ks), Some((d, g))) => format!(
            "step {}: KS(P_model, P_data) = {ks:.3}; D(x) is {:.3} from 1/2 on average where the data lies; D loss {d:.3} (2 ln 2 = 1.386 when D cannot tell), G loss {g:.3}",
            s.steps, s.d_gap
        ),
        (Some(ks), None) => format!("step {}: KS(P_model, P_data) = {ks:.3}", s.steps),
        _ => "starting".into(),
    };
    let (density, discriminator, map, ks) = refs;
    html! {
        <section class="activity" aria-labelledby="pmodel-title">
            <h2 id="pmodel-title">{"P_model vs P_data"}</h2>
            <p class="explain">{"A GAN never sees a formula for the data. The generator G turns a random \
                z into an x; the discriminator D sees real x from P_data and generated ones and \
                says how likely each is real; G follows D's gradient towards what D calls real. \
                Here x is one number, so all of it fits on screen: the blue curve is P_data, the \
                orange histogram is P_model (G applied to 2,000 draws of z), the teal curve is \
                D(x). As P_model moves onto P_data, D can no longer tell them apart and flattens \
                towards 1/2. z's distribution never changes: only G does. Switching the prior \
                restarts training, because G must now learn a different map to the same target."}</p>
            <div class="controls">
                <label>{"P_data "}{lesson_select(&dispatcher, "pmodel-dist", &NAMES, &l.dist, LessonChange::Dist)}</label>
                <label>{"z prior "}{keyword_select(&dispatcher, "pmodel-prior", l.prior, LessonChange::Prior)}</label>
                <label>{"G learning rate "}{number_select(&dispatcher, "pmodel-glr", &GAN_LEARNING_RATES, l.generator_lr, LessonChange::GeneratorLr)}</label>
                <label>{"D learning rate "}{number_select(&dispatcher, "pmodel-dlr", &GAN_LEARNING_RATES, l.discriminator_lr, LessonChange::DiscriminatorLr)}</label>
                <label>{"steps per tick "}{number_select(&dispatcher, "pmodel-spf", &GAN_STEPS_PER_TICK, l.steps_per_tick, LessonChange::StepsPerTick)}</label>
            </div>
            <div class="controls">
                <button id="gan-play" aria-pressed={playing.to_string()} onclick={on_play}>
                    {if *playing { "Pause" } else { "Play" }}</button>
                <button id="gan-step" onclick={on_step}>{"Step"}</button>
                <button id="gan-reset" onclick={on_reset}>{"Reset"}</button>
            </div>
            <p id="gan-status" class="note" data-steps={s.steps.to_string()}
               data-ks={ks_now.map(|k| k.to_string()).unwrap_or_default()}
               data-ks-first={s.ks.first().map(|p| p.1.to_string()).unwrap_or_default()}
               data-d-gap={s.d_gap.to_string()}>{status}</p>
            <canvas ref={density} id="gan-density" class="plot" aria-label="P_data and P_model" />
            <canvas ref={discriminator} id="gan-discriminator" class="plot" aria-label="D(x)" />
            <canvas ref={map} id="gan-map" class="plot" aria-label="the map from z to G(z)" />
            <canvas ref={ks} id="gan-ks" class="plot" aria-label="KS distance per step" />
        </section>
    }
}
