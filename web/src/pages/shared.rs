//! Helpers every page may use (controls wired to the reducer, the probability pages'
//! shared histogram): one module, so no page imports from a sibling.

use latentlab_sampling::Continuous;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::plot::{self, Axes, ORANGE};
use crate::route::Keyword;
use crate::state::{Action, AppState, LessonChange};

/// Bins of the histograms drawn against a pdf.
pub const BINS: usize = 40;

/// The window a distribution is plotted over: its range, cut to [-6, 8] so an
/// exponential's long tail does not squash the picture.
pub fn plot_range(dist: &impl Continuous) -> (f64, f64) {
    let (low, high) = dist.range();
    (low.max(-6.0), high.min(8.0))
}

/// Histogram (density) of `samples` with `dist`'s pdf over it.
pub fn draw_fit(
    canvas: &HtmlCanvasElement,
    dist: &impl Continuous,
    observed: &[f64],
    range: (f64, f64),
) {
    let Some(ctx) = plot::start(canvas, 640, 220) else {
        return;
    };
    let pdf_top = (0..=200)
        .map(|i| dist.pdf(range.0 + (range.1 - range.0) * f64::from(i) / 200.0))
        .fold(0.0f64, f64::max);
    let top = observed.iter().fold(pdf_top, |m, &v| m.max(v)) * 1.15;
    let axes = Axes {
        x: range,
        y: (0.0, top.max(1e-6)),
        rect: (30.0, 15.0, 590.0, 180.0),
    };
    plot::frame(&ctx, &axes, "x");
    plot::bars(&ctx, &axes, observed, "#4477aa99");
    plot::curve(&ctx, &axes, |x| dist.pdf(x), ORANGE, 2.5);
}

/// A `<select>` of a probability-page setting: picking an option dispatches `change`.
pub fn lesson_select(
    dispatcher: &UseReducerDispatcher<AppState>,
    id: &'static str,
    options: &[&'static str],
    current: &str,
    change: fn(String) -> LessonChange,
) -> Html {
    let d = dispatcher.clone();
    let onchange = Callback::from(move |e: Event| {
        let s: web_sys::HtmlSelectElement = e.target_unchecked_into();
        d.dispatch(Action::Lesson(change(s.value())));
    });
    html! {
        <select id={id} onchange={onchange}>
            { for options.iter().map(|&o| html! { <option value={o} selected={current == o}>{o}</option> }) }
        </select>
    }
}

/// The value of the `<input>` an event came from, as a number.
pub fn input_number<T: std::str::FromStr>(event: &Event) -> Option<T> {
    let input: web_sys::HtmlInputElement = event.target_unchecked_into();
    input.value().trim().parse().ok()
}

/// A `<select>` of a probability-page setting with named values (`K::ALL`, by URL word).
pub fn keyword_select<K: Keyword, A: Into<Action> + 'static>(
    dispatcher: &UseReducerDispatcher<AppState>,
    id: &'static str,
    current: K,
    change: fn(K) -> A,
) -> Html {
    let d = dispatcher.clone();
    let onchange = Callback::from(move |e: Event| {
        let s: web_sys::HtmlSelectElement = e.target_unchecked_into();
        if let Some(value) = K::from_word(&s.value()) {
            d.dispatch(change(value).into());
        }
    });
    html! {
        <select id={id} onchange={onchange}>
            { for K::ALL.iter().map(|&k| html! { <option value={k.word()} selected={current == k}>{k.word()}</option> }) }
        </select>
    }
}
