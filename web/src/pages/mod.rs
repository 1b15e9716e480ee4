//! One component per activity, chosen by the route.

mod attributes;
mod die;
mod distributions;
mod gan;
mod inverse;
mod latent3d;
mod manifold;
mod morph;
mod normal;
mod pmodel;
mod reconstruct;
mod rejection;
mod sample;
mod scale;
mod scatter;
mod shared;
mod stats;

use yew::prelude::*;

use crate::route::Page;

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
        Page::Gan => html! { <gan::GanPage /> },
        Page::Scatter => html! { <scatter::ScatterPage /> },
        Page::Manifold => html! { <manifold::ManifoldPage /> },
        Page::Latent3d => html! { <latent3d::Latent3dPage /> },
        Page::Distributions => html! { <distributions::DistributionsPage /> },
        Page::Die => html! { <die::DiePage /> },
        Page::Inverse => html! { <inverse::InversePage /> },
        Page::Rejection => html! { <rejection::RejectionPage /> },
        Page::Normal => html! { <normal::NormalPage /> },
        Page::Scale => html! { <scale::ScalePage /> },
        Page::PModel => html! { <pmodel::PModelPage /> },
    }
}
