//! The sample-size menu and "New samples" button the probability pages share.

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::hooks::use_app;
use crate::state::{Action, LessonChange};

/// Counts offered in the sample-size menu.
const COUNTS: [usize; 6] = [1, 10, 100, 1_000, 10_000, 100_000];

#[function_component(SampleControls)]
pub fn sample_controls() -> Html {
    let app = use_app();
    let (count, seed) = (app.view.lesson.count, app.view.lesson.seed);
    let on_count = {
        let d = app.dispatcher();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            if let Ok(n) = select.value().parse() {
                d.dispatch(Action::Lesson(LessonChange::Count(n)));
            }
        })
    };
    let on_resample = {
        let d = app.dispatcher();
        Callback::from(move |_| {
            d.dispatch(Action::Lesson(LessonChange::Seed(seed.wrapping_add(1))))
        })
    };
    html! {
        <>
            <label>{"samples "}<select id="count" onchange={on_count}>
                { for COUNTS.iter().map(|&n| html! {
                    <option value={n.to_string()} selected={n == count}>{n.to_string()}</option>
                }) }
            </select></label>
            <button id="resample" onclick={on_resample}>{"New samples"}</button>
        </>
    }
}
