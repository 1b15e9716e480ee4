//! The decoded manifold: an n x n grid of decodes over Phi^-1 of an even grid.

use latentlab_model::latent::manifold_grid;
use yew::prelude::*;

use super::shared::input_number;
use crate::components::image_canvas::ImageCanvas;
use crate::hooks::decoder::picture;
use crate::hooks::decoder::use_decoder;
use crate::hooks::use_app;
use crate::route::limits::MANIFOLD_N;
use crate::state::{Action, Slot};

#[function_component(ManifoldPage)]
pub fn manifold_page() -> Html {
    let app = use_app();
    let (decoded, request) = use_decoder("manifold");
    let n = app.view.manifold_n;
    use_effect_with((app.engine(Slot::Vae2d), n), move |(engine, n)| {
        if let Some(engine) = engine {
            request.emit((engine.clone(), manifold_grid(*n)));
        }
    });
    let dispatcher = app.dispatcher();
    let on_n = Callback::from(move |e: Event| {
        if let Some(n) = input_number(&e) {
            dispatcher.dispatch(Action::SetManifoldN(n));
        }
    });
    // The tiles belong to the decode, so a new n never shows the old grid re-cut.
    let columns = decoded
        .as_ref()
        .map_or(n, |d| (d.z.len() / 2).isqrt().max(1));
    html! {
        <section class="activity" aria-labelledby="manifold-title">
            <h2 id="manifold-title">{"The decoded manifold"}</h2>
            <p class="explain">{"Take an evenly spaced grid of probabilities in (0, 1) x (0, 1), turn \
                each into a latent point with the inverse Gaussian CDF (so the grid is dense where \
                N(0, I) is dense), and decode every point. Neighbouring tiles are neighbouring \
                latents: the VAE's space changes smoothly from one kind of garment to the next."}</p>
            <label>{"grid size n "}<input id="manifold-n" type="number" min={MANIFOLD_N.0.to_string()}
                max={MANIFOLD_N.1.to_string()} value={n.to_string()} onchange={on_n} /></label>
            <ImageCanvas id="manifold" class="manifold" picture={picture(&decoded, columns)}
                         label={format!("{n} by {n} decoded latent grid")} />
        </section>
    }
}
