//! One component per activity, chosen by the route.

mod attributes;
mod die;
mod inverse;
mod latent3d;
mod manifold;
mod morph;
mod normal;
mod reconstruct;
mod rejection;
mod sample;
mod scale;
mod scatter;
mod stats;

use std::rc::Rc;

use latentlab_model::grid::{RgbaGrid, tile_rgba};
use yew::prelude::*;

use crate::decoder::Decoded;
use crate::route::Page;
use crate::state::{Action, AppState, LessonChange};

#[derive(Properties, PartialEq)]
pub struct ActivityPageProps {
    pub page: Page,
}

#[function_component(ActivityPage)]
pub fn activity_page(props: &ActivityPageProps) -> Html {
    match props.page {
        Page::Sample => html! { <sample::SamplePage /> },
        Page::Morph => html! { <morph::MorphPage /> },
        Page::Attributes => html! { <attributes::AttributesPage /> },
        Page::Reconstruct => html! { <reconstruct::ReconstructPage /> },
        Page::Stats => html! { <stats::StatsPage /> },
        Page::Scatter => html! { <scatter::ScatterPage /> },
        Page::Manifold => html! { <manifold::ManifoldPage /> },
        Page::Latent3d => html! { <latent3d::Latent3dPage /> },
        Page::Die => html! { <die::DiePage /> },
        Page::Inverse => html! { <inverse::InversePage /> },
        Page::Rejection => html! { <rejection::RejectionPage /> },
        Page::Normal => html! { <normal::NormalPage /> },
        Page::Scale => html! { <scale::ScalePage /> },
    }
}

/// A decode laid out as one picture, `columns` images per row with 2 px gaps.
pub fn picture(decoded: &Option<Rc<Decoded>>, columns: usize) -> Option<Rc<RgbaGrid>> {
    decoded.as_ref().map(|d| {
        Rc::new(tile_rgba(
            &d.pixels,
            d.engine.manifest.image_shape(),
            columns,
            2,
        ))
    })
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
