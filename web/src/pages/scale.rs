//! Ten million draws: the inverse-transform and rejection samplers of the two pages
//! before this one, run as custom kernels on WebGPU and as the same steps on the
//! CPU, timed side by side and tested with the same chi-square.

use std::rc::Rc;

use latentlab_sampling::catalogue::{NAMES, Named, smallest_envelope};
use latentlab_sampling::continuous::envelope_violations;
use latentlab_sampling::fit::two_sample_chi_square;
use latentlab_sampling::scale::{Proposal, Table};
use web_sys::{HtmlCanvasElement, HtmlSelectElement};
use yew::prelude::*;

use super::shared::{draw_fit, plot_range};
use super::shared::{input_number, keyword_select, lesson_select};
use crate::hooks::use_app;
use crate::route::limits::{self, SCALE_DRAWS};
use crate::route::{Keyword, Lesson, Sampler};
use crate::services::engine::{Backend, WebGpuAdapter};
use crate::services::scale_run::{BINS, Method, Outcome, Request, run};
use crate::state::{Action, LessonChange};

/// Runs kept in the table, newest first.
const KEPT_RUNS: usize = 8;

#[derive(Default, PartialEq)]
struct Runs {
    done: Vec<Rc<Outcome>>,
    running: Option<Backend>,
    error: Option<String>,
}

enum RunsAction {
    Start(Backend),
    Finished(Result<Outcome, String>),
}

impl Reducible for Runs {
    type Action = RunsAction;
    fn reduce(self: Rc<Self>, action: RunsAction) -> Rc<Self> {
        let mut next = Runs {
            done: self.done.clone(),
            running: self.running,
            error: None,
        };
        match action {
            RunsAction::Start(backend) => next.running = Some(backend),
            RunsAction::Finished(result) => {
                next.running = None;
                match result {
                    Ok(outcome) => {
                        next.done.insert(0, Rc::new(outcome));
                        next.done.truncate(KEPT_RUNS);
                    }
                    Err(e) => next.error = Some(e),
                }
            }
        }
        Rc::new(next)
    }
}

/// What the lesson settings ask for: the distribution sampled, and the request.
fn setup(l: &Lesson) -> (Named, Option<Named>, Request) {
    let fallback = || Named::new("mixture", &[]).expect("mixture");
    let seed = l.seed as u32;
    let draws = l.draws as u32;
    if l.sampler == Sampler::Rejection {
        let target = Named::new(l.target.word(), &l.drawn).unwrap_or_else(|_| fallback());
        let range = plot_range(&target);
        let q = l.proposal.distribution(range);
        let proposal = match &q {
            Named::Normal(n) => Proposal::Normal {
                mean: n.mean as f32,
                sd: n.sd as f32,
            },
            _ => Proposal::Uniform,
        };
        let method = Method::Rejection {
            proposal,
            m: l.m as f32,
        };
        let table = Table::over(&target, range);
        let dist = l.target.word().to_string();
        (
            target,
            Some(q),
            Request {
                dist,
                table,
                method,
                seed,
                draws,
            },
        )
    } else {
        let dist = Named::new(&l.dist, &l.drawn).unwrap_or_else(|_| fallback());
        let table = Table::over(&dist, plot_range(&dist));
        let name = l.dist.clone();
        (
            dist,
            None,
            Request {
                dist: name,
                table,
                method: Method::Inverse,
                seed,
                draws,
            },
        )
    }
}

/// The newest run's histogram as a density (per unit x, over the draws kept).
fn observed_density(outcome: Option<&Outcome>, range: (f64, f64)) -> Vec<f64> {
    let width = (range.1 - range.0) / f64::from(BINS);
    outcome.map_or_else(Vec::new, |o| {
        let total = o.accepted().max(1) as f64;
        o.counts
            .iter()
            .map(|&c| c as f64 / (total * width))
            .collect()
    })
}

fn sampler_label(request: &Request) -> String {
    let dist = &request.dist;
    match request.method {
        Method::Inverse => format!("inverse · {dist}"),
        Method::Rejection { proposal, m } => {
            let q = match proposal {
                Proposal::Uniform => "uniform q",
                Proposal::Normal { .. } => "Gaussian q",
            };
            format!("rejection · {dist}, {q}, M = {m:.2}")
        }
    }
}

fn row(outcome: &Outcome) -> Html {
    let counts: Vec<String> = outcome.counts.iter().map(u64::to_string).collect();
    let (method, m) = match outcome.request.method {
        Method::Inverse => ("inverse", String::new()),
        Method::Rejection { m, .. } => ("rejection", m.to_string()),
    };
    let fit = &outcome.fit;
    html! {
        <tr class="scale-run" data-backend={outcome.backend.query_value()} data-method={method}
            data-m={m} data-draws={outcome.request.draws.to_string()}
            data-accepted={outcome.accepted().to_string()} data-ms={outcome.ms.to_string()}
            data-chi={fit.statistic.to_string()} data-df={fit.degrees_of_freedom.to_string()}
            data-p={fit.p_value.to_string()} data-counts={counts.join(",")}>
            <td>{outcome.backend.to_string()}</td>
            <td class="sampler">{sampler_label(&outcome.request)}</td>
            <td>{outcome.request.draws.to_string()}</td>
            <td>{outcome.accepted().to_string()}</td>
            <td>{format!("{:.0}", outcome.ms)}</td>
            <td>{format!("{:.2e}", outcome.draws_per_second())}</td>
            <td>{format!("{:.1} ({})", fit.statistic, fit.degrees_of_freedom)}</td>
            <td>{format!("{:.3}", fit.p_value)}</td>
        </tr>
    }
}

/// The newest CPU and WebGPU runs of the same request, compared as two samples.
fn agreement(done: &[Rc<Outcome>]) -> Html {
    let newest = |backend| done.iter().find(|o| o.backend == backend);
    let (Some(cpu), Some(gpu)) = (newest(Backend::Cpu), newest(Backend::WebGpu)) else {
        return Html::default();
    };
    if cpu.request != gpu.request {
        return Html::default();
    }
    let same = two_sample_chi_square(&cpu.counts, &gpu.counts);
    let moved: u64 = cpu
        .counts
        .iter()
        .zip(&gpu.counts)
        .map(|(a, b)| a.abs_diff(*b))
        .sum();
    html! {
        <p id="scale-agreement" data-p={same.p_value.to_string()} data-moved={moved.to_string()}>
            {format!("CPU vs WebGPU on the same request: two-sample χ² = {:.1} ({} df), p = {:.3}; \
                {moved} draws fell in another bin, {:.1}x the CPU's speed on WebGPU.",
                same.statistic, same.degrees_of_freedom, same.p_value,
                gpu.draws_per_second() / cpu.draws_per_second())}</p>
    }
}

#[function_component(ScalePage)]
pub fn scale_page() -> Html {
    let app = use_app();
    let l = &app.view.lesson;
    let runs = use_reducer(Runs::default);
    let hist_ref = use_node_ref();
    let (dist, q, request) = setup(l);
    {
        let (hist_ref, dist, newest) = (hist_ref.clone(), dist.clone(), runs.done.first().cloned());
        use_effect_with((l.clone(), newest.clone()), move |_| {
            if let Some(c) = hist_ref.cast::<HtmlCanvasElement>() {
                let range = plot_range(&dist);
                draw_fit(
                    &c,
                    &dist,
                    &observed_density(newest.as_deref(), range),
                    range,
                );
            }
        });
    }
    let start = |backend: Backend| {
        let (runs, request) = (runs.clone(), request.clone());
        Callback::from(move |_: MouseEvent| {
            if runs.running.is_some() {
                return;
            }
            runs.dispatch(RunsAction::Start(backend));
            let (runs, request) = (runs.clone(), request.clone());
            wasm_bindgen_futures::spawn_local(async move {
                runs.dispatch(RunsAction::Finished(run(backend, request).await));
            });
        })
    };
    let dispatcher = app.dispatcher();
    let select = |id, options: &[&'static str], current: &str, change| {
        lesson_select(&dispatcher, id, options, current, change)
    };
    let on_draws = {
        let d = dispatcher.clone();
        Callback::from(move |e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            if let Ok(n) = s.value().parse() {
                d.dispatch(Action::Lesson(LessonChange::Draws(n)));
            }
        })
    };
    let on_m = {
        let d = dispatcher.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(m) = input_number(&e) {
                d.dispatch(Action::Lesson(LessonChange::M(m)));
            }
        })
    };
    let on_reseed = {
        let (d, seed) = (dispatcher.clone(), l.seed);
        Callback::from(move |_| {
            d.dispatch(Action::Lesson(LessonChange::Seed(seed.wrapping_add(1))))
        })
    };
    let envelope = q.as_ref().map(|q| {
        let range = plot_range(&dist);
        (
            smallest_envelope(&dist, q, range),
            envelope_violations(&dist, q, l.m, range, 600),
        )
    });
    let busy = runs.running.is_some();
    let no_webgpu = app.webgpu == Some(WebGpuAdapter::Missing);
    html! {
        <section class="activity" aria-labelledby="scale-title">
            <h2 id="scale-title">{"Ten million draws"}</h2>
            <p class="explain">{"The samplers of the last two pages, ten million times. On WebGPU every \
                draw is one GPU thread: it hashes (seed, i) into a uniform u, finds u's cell in a \
                1,024-cell table of the CDF by bisection (or proposes x from q, draws u, and keeps x if \
                u M q(x) < p(x): the point under M q must also fall under p), and adds \
                one to its histogram bin. The CPU runs the very same steps in Rust compiled to WebAssembly, \
                one draw after another. Both tallies are tested against the exact bin probabilities with \
                chi-square: the numbers must agree in distribution, and the clock shows what the GPU buys."}</p>
            <div class="controls">
                <label>{"sampler "}{keyword_select(&dispatcher, "scale-method", l.sampler, LessonChange::Sampler)}</label>
                if l.sampler == Sampler::Rejection {
                    <label>{"target p "}{keyword_select(&dispatcher, "scale-target", l.target, LessonChange::Target)}</label>
                    <label>{"proposal q "}{keyword_select(&dispatcher, "scale-proposal", l.proposal, LessonChange::Proposal)}</label>
                } else {
                    <label>{"distribution "}{select("scale-dist", &NAMES, &l.dist, LessonChange::Dist)}</label>
                }
                <label>{"draws "}<select id="scale-draws" onchange={on_draws}>
                    { for SCALE_DRAWS.iter().map(|&n| html! {
                        <option value={n.to_string()} selected={n == l.draws}>{n.to_string()}</option>
                    }) }
                </select></label>
                <button id="scale-reseed" onclick={on_reseed}>{format!("New seed ({})", l.seed)}</button>
            </div>
            if let Some((m_min, violations)) = &envelope {
                <label class="slider">{"M "}<input id="scale-m" type="range" min={limits::M.0.to_string()} max={limits::M.1.to_string()} step="0.05"
                    value={l.m.to_string()} oninput={on_m} /><output>{format!("{:.2}", l.m)}</output></label>
                <p>{format!("smallest valid M: {m_min:.3}; acceptance should be 1/M = {:.4}", 1.0 / l.m)}</p>
                if !violations.is_empty() {
                    <p id="scale-bias-warning" class="status error" role="alert">
                        {format!("M q(x) < p(x) somewhere: the accepted draws will not follow p, and \
                            chi-square will say so. Raise M to at least {m_min:.3}.")}</p>
                }
            }
            <div class="controls">
                <button id="run-cpu" disabled={busy} onclick={start(Backend::Cpu)}>{"Run on the CPU"}</button>
                <button id="run-webgpu" disabled={busy || no_webgpu} onclick={start(Backend::WebGpu)}>
                    {"Run on WebGPU"}</button>
                <span id="scale-status" class="status" aria-live="polite">
                    { match (runs.running, &runs.error) {
                        (Some(b), _) => format!("running {} draws on {b}…", l.draws),
                        (None, Some(e)) => format!("failed: {e}"),
                        (None, None) if no_webgpu => "this browser has no WebGPU adapter: CPU only".into(),
                        (None, None) => String::new(),
                    } }
                </span>
            </div>
            <canvas id="scale-histogram" class="plot" ref={hist_ref} role="img"
                    aria-label="histogram of the newest run against the density"></canvas>
            { agreement(&runs.done) }
            <div class="scroll-x">
                <table class="runs" id="scale-results">
                    <thead><tr><th>{"backend"}</th><th>{"sampler"}</th><th>{"draws"}</th>
                        <th>{"accepted"}</th><th>{"ms"}</th><th>{"draws/s"}</th>
                        <th>{"χ² (df)"}</th><th>{"p"}</th></tr></thead>
                    <tbody>{ for runs.done.iter().map(|o| row(o)) }</tbody>
                </table>
            </div>
            <p class="explain">{"The first WebGPU run also compiles the three kernels; run again for the \
                steady speed. A correct sampler gives a p-value below 0.001 in one run of a thousand; a \
                biased one (M too small) gives it every time at these sizes, so run again: a low p that \
                stays low means the tally does not follow the distribution."}</p>
        </section>
    }
}
