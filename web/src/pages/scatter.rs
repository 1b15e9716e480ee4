//! AE vs VAE: the two 2-D latent spaces side by side, in z or in p = Phi(z).

use latentlab_model::view::Space;
use yew::prelude::*;

use crate::components::legend::Legend;
use crate::components::scatter_panel::ScatterPanel;
use crate::hooks::use_app;
use crate::state::{Action, Slot};

#[function_component(ScatterPage)]
pub fn scatter_page() -> Html {
    let app = use_app();
    let (Some(vae), Some(ae)) = (app.engine(Slot::Vae2d), app.engine(Slot::Ae2d)) else {
        return html! {};
    };
    let space = app.view.space;
    let toggle = |id: &'static str, label: &'static str, value: Space| {
        let dispatcher = app.dispatcher();
        html! {
            <button id={id} aria-pressed={(space == value).to_string()}
                    onclick={Callback::from(move |_| dispatcher.dispatch(Action::SetSpace(value)))}>{label}</button>
        }
    };
    let classes = vae.manifest.dataset.classes.clone();
    html! {
        <section class="activity" aria-labelledby="scatter-title">
            <h2 id="scatter-title">{"Autoencoder vs variational autoencoder"}</h2>
            <p class="explain">{"Both models squeeze 32x32 Fashion-MNIST images through two numbers. \
                The plain autoencoder maps each image to a point and only cares that it can decode \
                it back: the classes spread unevenly, with gaps that decode to nothing in \
                particular. The VAE maps each image to a small Gaussian and is penalised for \
                straying from N(0, I), so its codes gather in a round region around 0 with fewer \
                gaps. Not a perfect disk: the penalty (the KL term) applies to each image's \
                Gaussian alone, so nothing forces the codes of the whole set together to be N(0, I), \
                and the reconstruction term (500 x mean cross-entropy) keeps pulling similar images \
                together: with only two dimensions the classes form uneven blobs with thin gaps \
                between them. Move over either \
                plot to decode the point under the cursor; in Phi(z) coordinates a perfect match \
                to the prior would fill the square evenly."}</p>
            <div class="controls" role="group" aria-label="coordinates">
                {toggle("space-z", "z", Space::Z)}
                {toggle("space-phi", "p = Phi(z)", Space::Phi)}
            </div>
            <div class="scatters">
                <ScatterPanel engine={vae.clone()} key_name="vae" activity="scatter-vae" space={space}
                              title={format!("VAE ({})", vae.manifest.name)} />
                <ScatterPanel engine={ae.clone()} key_name="ae" activity="scatter-ae" space={space}
                              title={format!("AE ({})", ae.manifest.name)} />
            </div>
            <Legend classes={classes} />
        </section>
    }
}
