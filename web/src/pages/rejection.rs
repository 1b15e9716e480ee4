//! Rejection sampling: propose from q, accept under p, with an envelope M q(x).

use latentlab_sampling::catalogue::{Named, histogram_vs_density, smallest_envelope};
use latentlab_sampling::continuous::{envelope_violations, rejection};
use latentlab_sampling::fit::kolmogorov_smirnov;
use latentlab_sampling::{Continuous, SeededRng};
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use super::shared::{BINS, draw_fit, plot_range};
use super::shared::{input_number, keyword_select};
use crate::components::sample_controls::SampleControls;
use crate::hooks::use_app;
use crate::plot::{self, Axes, BLUE, GREY, ORANGE, RED, TEAL};
use crate::route::Keyword;
use crate::route::limits;
use crate::state::{Action, LessonChange};

/// Proposals drawn as points (more would only blacken the plot).
const DRAWN_POINTS: usize = 3000;

fn draw(
    canvas: &HtmlCanvasElement,
    target: &Named,
    proposal: &Named,
    m: f64,
    points: &[(f64, f64, bool)],
    violations: &[(f64, f64)],
    range: (f64, f64),
) {
    let Some(ctx) = plot::start(canvas, 640, 260) else {
        return;
    };
    let top = (0..=200)
        .map(|i| {
            let x = range.0 + (range.1 - range.0) * f64::from(i) / 200.0;
            target.pdf(x).max(m * proposal.pdf(x))
        })
        .fold(0.0f64, f64::max)
        * 1.1;
    let axes = Axes {
        x: range,
        y: (0.0, top.max(1e-6)),
        rect: (30.0, 15.0, 590.0, 220.0),
    };
    // Where the envelope dips under p: shaded, because samples there come out too rarely.
    ctx.set_fill_style_str("#cc331133");
    for &(a, b) in violations {
        ctx.fill_rect(
            axes.px(a) - 1.0,
            axes.rect.1,
            (axes.px(b) - axes.px(a)).max(2.0) + 2.0,
            axes.rect.3,
        );
    }
    plot::frame(&ctx, &axes, "x");
    for &(x, y, ok) in points {
        ctx.set_fill_style_str(if ok { TEAL } else { GREY });
        plot::dot(&ctx, &axes, x, y, if ok { 3.0 } else { 2.0 });
    }
    plot::curve(&ctx, &axes, |x| m * proposal.pdf(x), ORANGE, 2.5);
    plot::curve(&ctx, &axes, |x| target.pdf(x), BLUE, 2.5);
}

#[function_component(RejectionPage)]
pub fn rejection_page() -> Html {
    let app = use_app();
    let l = &app.view.lesson;
    let (plot_ref, hist_ref) = (use_node_ref(), use_node_ref());
    let target = Named::new(l.target.word(), &l.drawn)
        .unwrap_or_else(|_| Named::new("mixture", &[]).expect("mixture"));
    let range = plot_range(&target);
    let proposal = l.proposal.distribution(range);
    // Everything the draw depends on: the memo and the redraw share one key.
    let inputs = (
        l.target,
        l.drawn.clone(),
        l.proposal,
        l.m.to_bits(),
        l.count,
        l.seed,
    );
    let run = use_memo(inputs.clone(), |_| {
        rejection(
            &target,
            &proposal,
            l.m,
            &mut SeededRng::new(l.seed),
            l.count,
            DRAWN_POINTS,
        )
    });
    let violations = envelope_violations(&target, &proposal, l.m, range, 600);
    let m_min = smallest_envelope(&target, &proposal, range);
    let ks = kolmogorov_smirnov(&run.accepted, |x| target.cdf(x));
    let (observed, _) = histogram_vs_density(&run.accepted, &target, range, BINS);
    {
        let (plot_ref, hist_ref, target, proposal, run, violations, observed, m) = (
            plot_ref.clone(),
            hist_ref.clone(),
            target.clone(),
            proposal.clone(),
            run.clone(),
            violations.clone(),
            observed.clone(),
            l.m,
        );
        use_effect_with(inputs, move |_| {
            if let Some(c) = plot_ref.cast::<HtmlCanvasElement>() {
                draw(&c, &target, &proposal, m, &run.points, &violations, range);
            }
            if let Some(c) = hist_ref.cast::<HtmlCanvasElement>() {
                draw_fit(&c, &target, &observed, range);
            }
        });
    }
    let dispatcher = app.dispatcher();
    let on_m = {
        let d = dispatcher.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(m) = input_number(&e) {
                d.dispatch(Action::Lesson(LessonChange::M(m)));
            }
        })
    };
    let on_tight = {
        let d = dispatcher.clone();
        Callback::from(move |_| {
            d.dispatch(Action::Lesson(LessonChange::M(
                (m_min * 1.001 * 100.0).ceil() / 100.0,
            )))
        })
    };
    let acceptance = run.acceptance();
    html! {
        <section class="activity" aria-labelledby="rejection-title">
            <h2 id="rejection-title">{"Rejection sampling"}</h2>
            <p class="explain">{"When F^-1 is out of reach, sample something easy instead. Draw x from a \
                proposal q, draw a height u M q(x) with u uniform, and keep x only if the point lies under \
                the target p (blue). Kept points are spread evenly under p, so their x values follow p. \
                The envelope M q (orange) must lie above p everywhere; then a fraction 1/M of proposals \
                is kept, so a tight envelope wastes the least. Where M q dips under p (shaded red), points \
                that belong there are never proposed often enough, and the samples come out biased."}</p>
            <div class="controls">
                <label>{"target p "}{keyword_select(&dispatcher, "target", l.target, LessonChange::Target)}</label>
                <label>{"proposal q "}{keyword_select(&dispatcher, "proposal", l.proposal, LessonChange::Proposal)}</label>
                <SampleControls />
            </div>
            <label class="slider">{"M "}<input id="m" type="range" min={limits::M.0.to_string()} max={limits::M.1.to_string()} step="0.05"
                value={l.m.to_string()} oninput={on_m} /><output>{format!("{:.2}", l.m)}</output></label>
            <p>{format!("smallest valid M for this p and q: {m_min:.3} ")}
                <button id="tight-m" onclick={on_tight}>{"use it"}</button></p>
            <p id="acceptance" data-rate={acceptance.to_string()} data-theory={(1.0 / l.m).to_string()}
               data-proposals={run.proposals.to_string()}>
                {format!("accepted {} of {} proposals: rate {:.4}; theory 1/M = {:.4}",
                    run.accepted.len(), run.proposals, acceptance, 1.0 / l.m)}</p>
            if !violations.is_empty() {
                <p id="bias-warning" class="status error" role="alert">
                    {format!("M q(x) < p(x) on {}: those x are under-sampled, so the accepted samples do \
                        not follow p (and the rate is not 1/M). Raise M to at least {m_min:.3}.",
                        violations.iter().map(|(a, b)| format!("[{a:.2}, {b:.2}]")).collect::<Vec<_>>().join(", "))}</p>
            }
            <canvas id="rejection-plot" class="plot" ref={plot_ref} data-violations={violations.len().to_string()}
                    role="img" aria-label="target, envelope, and accepted (teal) and rejected (grey) proposals"></canvas>
            <p id="rejection-ks" data-statistic={ks.statistic.to_string()} data-p={ks.p_value.to_string()}>
                {format!("accepted samples vs p: KS D = {:.4}, p = {:.3}", ks.statistic, ks.p_value)}</p>
            <canvas id="rejection-histogram" class="plot" ref={hist_ref} role="img"
                    aria-label="histogram of the accepted samples against p"></canvas>
            <span class="legend-line"><span style={format!("color:{RED}")}>{"■"}</span>{" envelope too low"}</span>
        </section>
    }
}
