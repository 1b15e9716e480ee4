//! t-SNE run live in the page on the same 50-D input the CLI used: a few milliseconds
//! of iterations per tick, then the browser gets the thread back, so the cloud
//! visibly unfolds and the page never freezes.

use std::cell::RefCell;
use std::rc::Rc;

use latentlab_sampling::projection::knn_label_agreement;
use latentlab_sampling::projection::tsne::{Tsne, TsneConfig};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::cloud::Cloud;
use crate::services::engine::{now_ms, yield_to_browser};

/// Iterations of a live run: the CLI's default, so with the same seed and perplexity
/// the page retraces the shipped t-SNE.
pub const ITERATIONS: usize = 1000;
/// Longest stretch of iterations between two chances for the browser to paint.
const TICK_MS: f64 = 12.0;

#[derive(Properties, PartialEq)]
pub struct LiveTsneProps {
    /// `[n, dim]` row-major: the features on their top principal axes.
    pub points: Rc<Vec<f64>>,
    pub dim: usize,
    pub labels: Rc<Vec<u32>>,
    pub perplexity: f64,
    /// Neighbours of the agreement figure.
    pub k: usize,
}

/// What the page shows of a run.
#[derive(Clone, Default, PartialEq)]
struct Snapshot {
    /// `[n, 3]`.
    embedding: Rc<Vec<f32>>,
    iteration: usize,
    /// Mean time of one iteration so far.
    ms_per_iteration: Option<f64>,
    /// Time to calibrate the affinities to the perplexity, before the first iteration.
    setup_ms: Option<f64>,
    /// kNN label agreement of the finished embedding.
    agreement: Option<f64>,
}

/// A run in progress and the time its iterations took.
struct Run {
    tsne: Tsne,
    stepping_ms: f64,
    setup_ms: f64,
}

/// The loop's shared state: the run, whether it should go on, and which loop owns it
/// (pressing Run again starts a new loop; an older one sees the new generation and stops).
#[derive(Default)]
struct Shared {
    run: Option<Run>,
    running: bool,
    generation: u64,
}

fn snapshot_of(run: &Run, labels: &[u32], k: usize) -> Snapshot {
    let embedding: Vec<f32> = run.tsne.embedding().iter().map(|&v| v as f32).collect();
    let iteration = run.tsne.iteration();
    Snapshot {
        agreement: run
            .tsne
            .done()
            .then(|| knn_label_agreement(run.tsne.embedding(), 3, labels, k)),
        embedding: Rc::new(embedding),
        iteration,
        ms_per_iteration: (iteration > 0).then(|| run.stepping_ms / iteration as f64),
        setup_ms: Some(run.setup_ms),
    }
}

async fn run_while_running(
    shared: Rc<RefCell<Shared>>,
    generation: u64,
    labels: Rc<Vec<u32>>,
    k: usize,
    snapshot: UseStateHandle<Snapshot>,
    playing: UseStateHandle<bool>,
) {
    loop {
        {
            let mut guard = shared.borrow_mut();
            let state = &mut *guard;
            if !state.running || state.generation != generation {
                return;
            }
            let Some(run) = state.run.as_mut() else {
                return;
            };
            let start = now_ms();
            while !run.tsne.done() && now_ms() - start < TICK_MS {
                run.tsne.step();
            }
            run.stepping_ms += now_ms() - start;
            snapshot.set(snapshot_of(run, &labels, k));
            if run.tsne.done() {
                state.running = false;
                playing.set(false);
                return;
            }
        }
        yield_to_browser().await;
    }
}

#[function_component(LiveTsne)]
pub fn live_tsne(props: &LiveTsneProps) -> Html {
    let shared = use_mut_ref(Shared::default);
    let snapshot = use_state(Snapshot::default);
    let playing = use_state(|| false);
    // New points or a new perplexity: the old run no longer applies.
    {
        let (shared, snapshot, playing) = (shared.clone(), snapshot.clone(), playing.clone());
        use_effect_with(
            (props.points.clone(), props.perplexity.to_bits()),
            move |_| {
                let mut state = shared.borrow_mut();
                state.run = None;
                state.running = false;
                snapshot.set(Snapshot::default());
                playing.set(false);
            },
        );
    }
    {
        // Leaving the page stops the loop.
        let shared = shared.clone();
        use_effect_with((), move |_| move || shared.borrow_mut().running = false);
    }
    let on_run = {
        let (shared, snapshot, playing) = (shared.clone(), snapshot.clone(), playing.clone());
        let (points, dim, labels, k) = (
            props.points.clone(),
            props.dim,
            props.labels.clone(),
            props.k,
        );
        let perplexity = props.perplexity;
        Callback::from(move |_: MouseEvent| {
            let generation = {
                let mut state = shared.borrow_mut();
                if state.running {
                    state.running = false;
                    playing.set(false);
                    return;
                }
                if state.run.as_ref().is_none_or(|r| r.tsne.done()) {
                    let start = now_ms();
                    let config = TsneConfig {
                        dims: 3,
                        perplexity,
                        iterations: ITERATIONS,
                        learning_rate: None,
                        seed: 0,
                    };
                    let tsne = Tsne::new(&points, dim, config);
                    let run = Run {
                        tsne,
                        stepping_ms: 0.0,
                        setup_ms: now_ms() - start,
                    };
                    snapshot.set(snapshot_of(&run, &labels, k));
                    state.run = Some(run);
                }
                state.running = true;
                state.generation += 1;
                state.generation
            };
            playing.set(true);
            spawn_local(run_while_running(
                shared.clone(),
                generation,
                labels.clone(),
                k,
                snapshot.clone(),
                playing.clone(),
            ));
        })
    };
    let s = &*snapshot;
    let n = props.labels.len();
    let status = match (s.iteration, s.ms_per_iteration) {
        (0, _) => format!("{n} points: press Run to start from a tiny random cloud"),
        (i, Some(ms)) => {
            let mut text = format!(
                "iteration {i} of {ITERATIONS} · {ms:.2} ms per iteration on {n} points \
                 (this browser, one thread; affinities {:.0} ms)",
                s.setup_ms.unwrap_or(0.0)
            );
            if let Some(a) = s.agreement {
                text += &format!(" · {}-NN label agreement {a:.3}", props.k);
            }
            text
        }
        (i, None) => format!("iteration {i}"),
    };
    let button = if *playing {
        "Pause"
    } else if s.iteration > 0 && s.agreement.is_none() {
        "Continue"
    } else {
        "Run"
    };
    html! {
        <div class="live-tsne">
            <div class="controls">
                <button id="tsne-run" aria-pressed={playing.to_string()} onclick={on_run}>{button}</button>
            </div>
            <p id="tsne-status" class="note" data-iterations={s.iteration.to_string()}
               data-ms-per-iteration={s.ms_per_iteration.map(|m| m.to_string()).unwrap_or_default()}
               data-agreement={s.agreement.map(|a| a.to_string()).unwrap_or_default()}
               data-points={n.to_string()}>{status}</p>
            if s.iteration > 0 {
                <Cloud id="tsne-cloud" points={s.embedding.clone()} labels={props.labels.clone()}
                       label={format!("live t-SNE of {n} points, iteration {}", s.iteration)} />
            }
        </div>
    }
}
