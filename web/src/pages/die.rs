//! The die: a PMF, its CDF staircase, and inverse transform sampling by hand.

use latentlab_sampling::fit::chi_square;
use latentlab_sampling::{Discrete, SeededRng};
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use super::shared::input_number;
use crate::hooks::interval::use_interval;
use crate::hooks::use_app;
use crate::plot::{self, Axes, BLUE, GREY, ORANGE, RED};
use crate::route::limits;
use crate::state::{Action, LessonChange};

/// The die's u values: the seed's first `count` uniform draws (so a link replays them).
fn throws(seed: u64, count: usize) -> Vec<f64> {
    let mut rng = SeededRng::new(seed);
    (0..count).map(|_| rng.next_open01()).collect()
}

fn draw_die(canvas: &HtmlCanvasElement, die: &Discrete, u: f64, face: usize) {
    let Some(ctx) = plot::start(canvas, 640, 260) else {
        return;
    };
    let faces = die.pmf().len();
    let top = die.pmf().iter().fold(0.0f64, |m, &p| m.max(p)) * 1.25;
    let pmf = Axes {
        x: (0.5, faces as f64 + 0.5),
        y: (0.0, top),
        rect: (30.0, 20.0, 260.0, 200.0),
    };
    plot::frame(&ctx, &pmf, "face");
    plot::bars(&ctx, &pmf, die.pmf(), BLUE);
    let _ = ctx.fill_text("PMF", 40.0, 14.0);
    let cdf = Axes {
        x: (0.5, faces as f64 + 0.5),
        y: (0.0, 1.0),
        rect: (360.0, 20.0, 260.0, 200.0),
    };
    plot::frame(&ctx, &cdf, "face");
    let _ = ctx.fill_text("CDF", 370.0, 14.0);
    ctx.set_stroke_style_str(BLUE);
    ctx.set_line_width(2.5);
    let mut below = 0.0;
    for (i, &c) in die.cdf().iter().enumerate() {
        let x = (i + 1) as f64;
        plot::line(&ctx, &cdf, (x - 0.5, c), (x + 0.5, c));
        plot::line(&ctx, &cdf, (x - 0.5, below), (x - 0.5, c));
        below = c;
    }
    // u travels across to the first step at or above it, then down to its face.
    ctx.set_stroke_style_str(ORANGE);
    ctx.set_line_width(2.0);
    let x = face as f64;
    plot::line(&ctx, &cdf, (0.5, u), (x, u));
    plot::line(&ctx, &cdf, (x, u), (x, 0.0));
    ctx.set_fill_style_str(ORANGE);
    let _ = ctx.fill_text(&format!("u = {u:.2}"), cdf.px(0.5) + 4.0, cdf.py(u) - 4.0);
    ctx.set_fill_style_str(RED);
    plot::dot(&ctx, &cdf, x, 0.0, 9.0);
}

fn draw_histogram(canvas: &HtmlCanvasElement, die: &Discrete, counts: &[usize]) {
    let Some(ctx) = plot::start(canvas, 640, 200) else {
        return;
    };
    let n = counts.iter().sum::<usize>().max(1) as f64;
    let shares: Vec<f64> = counts.iter().map(|&c| c as f64 / n).collect();
    let top = shares
        .iter()
        .chain(die.pmf())
        .fold(0.0f64, |m, &v| m.max(v))
        * 1.2;
    let axes = Axes {
        x: (0.5, counts.len() as f64 + 0.5),
        y: (0.0, top.max(0.01)),
        rect: (30.0, 15.0, 590.0, 160.0),
    };
    plot::frame(&ctx, &axes, "face");
    plot::bars(&ctx, &axes, &shares, GREY);
    // The PMF as a tick over each bar: where the shares should converge.
    ctx.set_stroke_style_str(ORANGE);
    ctx.set_line_width(3.0);
    for (i, &p) in die.pmf().iter().enumerate() {
        let x = (i + 1) as f64;
        plot::line(&ctx, &axes, (x - 0.45, p), (x + 0.45, p));
    }
}

#[function_component(DiePage)]
pub fn die_page() -> Html {
    let app = use_app();
    let playing = use_state(|| false);
    let pmf_canvas = use_node_ref();
    let hist_canvas = use_node_ref();
    let l = &app.view.lesson;
    let die = Discrete::new(&l.weights).unwrap_or_else(|_| Discrete::fair(6));
    let face = die.face_for(l.u);
    let counts = use_memo((l.seed, l.throws, l.weights.clone()), |(seed, n, _)| {
        let mut counts = vec![0usize; die.pmf().len()];
        for u in throws(*seed, *n) {
            counts[die.face_for(u) - 1] += 1;
        }
        counts
    });
    let fit = chi_square(&counts, die.pmf());
    {
        let (pmf_canvas, hist_canvas, die, counts, u) = (
            pmf_canvas.clone(),
            hist_canvas.clone(),
            die.clone(),
            counts.clone(),
            l.u,
        );
        use_effect_with(
            (l.weights.clone(), l.u.to_bits(), counts.clone()),
            move |_| {
                if let Some(c) = pmf_canvas.cast::<HtmlCanvasElement>() {
                    draw_die(&c, &die, u, face);
                }
                if let Some(c) = hist_canvas.cast::<HtmlCanvasElement>() {
                    draw_histogram(&c, &die, &counts);
                }
            },
        );
    }
    let dispatcher = app.dispatcher();
    let throw = |more: usize| {
        let d = dispatcher.clone();
        let (seed, done) = (l.seed, l.throws);
        Callback::from(move |()| {
            let last = throws(seed, done + more).last().copied().unwrap_or(0.5);
            d.dispatch(Action::Lesson(LessonChange::Throw(more, last)));
        })
    };
    use_interval(*playing, 300, throw(1));
    let click = |more: usize| throw(more).reform(|_: MouseEvent| ());
    let on_u = {
        let d = dispatcher.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(u) = input_number(&e) {
                d.dispatch(Action::Lesson(LessonChange::U(u)));
            }
        })
    };
    let weight_input = |i: usize| {
        let d = dispatcher.clone();
        let onchange = Callback::from(move |e: Event| {
            if let Some(w) = input_number(&e) {
                d.dispatch(Action::Lesson(LessonChange::Weight(i, w)));
            }
        });
        html! {
            <label>{format!("{} ", i + 1)}<input id={format!("p{}", i + 1)} type="number" min="0" step="0.5"
                value={l.weights[i].to_string()} onchange={onchange} /></label>
        }
    };
    let on_fair = {
        let d = dispatcher.clone();
        Callback::from(move |_| d.dispatch(Action::Lesson(LessonChange::Fair)))
    };
    let on_reset = {
        let d = dispatcher.clone();
        Callback::from(move |_| d.dispatch(Action::Lesson(LessonChange::ResetThrows)))
    };
    let on_play = {
        let playing = playing.clone();
        Callback::from(move |_| playing.set(!*playing))
    };
    let pmf_text = die
        .pmf()
        .iter()
        .map(|p| format!("{p:.3}"))
        .collect::<Vec<_>>()
        .join(", ");
    html! {
        <section class="activity" aria-labelledby="die-title">
            <h2 id="die-title">{"The die: sampling from a PMF"}</h2>
            <p class="explain">{"A die is a distribution: six faces with probabilities (the PMF, left). \
                Stack them up and you get the CDF staircase (right). To throw the die with nothing but \
                a uniform random number u in [0, 1], go across from u to the first step at or above it \
                and down to its face: that is inverse transform sampling. Throw many times and the \
                share of each face converges to its probability; the chi-square statistic measures \
                how far the counts still are from it."}</p>
            <label class="slider">{"u "}<input id="u" type="range" min={limits::U.0.to_string()} max={limits::U.1.to_string()} step="0.01"
                value={l.u.to_string()} oninput={on_u} /><output>{format!("{:.2}", l.u)}</output></label>
            <p>{"u = "}{format!("{:.2}", l.u)}{" selects face "}<strong id="face" data-face={face.to_string()}>{face}</strong></p>
            <canvas id="die-plot" class="plot" ref={pmf_canvas} role="img"
                    aria-label={format!("PMF {pmf_text} and its CDF; u {:.2} selects face {face}", l.u)}></canvas>
            <div class="controls">
                <button id="throw-1" onclick={click(1)}>{"Throw"}</button>
                <button id="throw-10" onclick={click(10)}>{"Throw 10"}</button>
                <button id="throw-1000" onclick={click(1000)}>{"Throw 1000"}</button>
                <button id="play" aria-pressed={playing.to_string()} onclick={on_play}>
                    {if *playing { "Pause" } else { "Play" }}</button>
                <button id="reset-throws" onclick={on_reset}>{"Reset"}</button>
            </div>
            <p id="chi-square" data-throws={l.throws.to_string()} data-statistic={fit.statistic.to_string()}
               data-p={fit.p_value.to_string()}>
                {format!("{} throws: chi-square = {:.2} with {} degrees of freedom, p = {:.3}",
                    l.throws, fit.statistic, fit.degrees_of_freedom, fit.p_value)}</p>
            <canvas id="die-histogram" class="plot" ref={hist_canvas} role="img"
                    aria-label="share of each face so far (bars) against its probability (ticks)"></canvas>
            <fieldset class="weights"><legend>{"Load the die: face weights"}</legend>
                { for (0..6).map(weight_input) }
                <button id="fair" onclick={on_fair}>{"Fair die"}</button>
                <p>{"probabilities: "}{pmf_text.clone()}</p>
            </fieldset>
        </section>
    }
}
