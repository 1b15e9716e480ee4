//! P_model vs P_data: a 1-D GAN trained live, a few steps per tick, so the histogram of
//! G(z) visibly moves onto the target's pdf while the discriminator's D(x) flattens
//! towards 1/2 where the two agree.

mod draw;
mod trainer;

use latentlab_model::gan::toy::ToyGanConfig;
use latentlab_sampling::catalogue::{NAMES, Named};
use wasm_bindgen_futures::spawn_local;
use web_sys::{HtmlCanvasElement, HtmlSelectElement};
use yew::prelude::*;

use super::shared::{keyword_select, lesson_select, plot_range};
use crate::hooks::use_app;
use crate::route::limits::{GAN_LEARNING_RATES, GAN_STEPS_PER_TICK};
use crate::state::{Action, LessonChange};
use draw::{draw_densities, draw_discriminator, draw_ks, draw_map};
use trainer::{Snapshot, Trainer, run_once, train_while_running};

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
