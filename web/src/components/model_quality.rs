//! The face model's measured quality, one click away on the sample and GAN pages: how
//! long it trained and the held-out figures `latentlab eval` stored in its manifest.

use latentlab_model::quality::{Distances, Fidelity, Quality};
use latentlab_model::weights::TrainingSummary;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ModelQualityProps {
    pub quality: Option<Quality>,
    #[prop_or_default]
    pub fidelity: Option<Fidelity>,
    pub training: Option<TrainingSummary>,
    pub latent_dim: usize,
}

/// Label and value of each figure shown, in order.
fn rows(props: &ModelQualityProps) -> Vec<(&'static str, String)> {
    let mut rows = Vec::new();
    if let Some(t) = &props.training {
        rows.push((
            "trained on",
            format!(
                "{} image-steps, {} epochs, {}",
                t.images_seen, t.epochs, t.device
            ),
        ));
    }
    if let Some(f) = &props.fidelity {
        let floor = &f.floor;
        let distances = |d: &Distances| {
            format!(
                "Fréchet {:.1}, kernel {:.2} × 10⁻³ (real faces: {:.1} and {:.2} × 10⁻³)",
                d.frechet,
                d.kernel * 1e3,
                floor.frechet,
                floor.kernel * 1e3
            )
        };
        rows.push(("samples against real faces", distances(&f.samples)));
        if let Some(r) = &f.reconstructions {
            rows.push(("reconstructions against real faces", distances(r)));
        }
    }
    if let Some(q) = &props.quality {
        rows.push((
            "active latent dimensions",
            format!(
                "{} of {} (mean KL above 0.01 nats)",
                q.active_dims, props.latent_dim
            ),
        ));
        rows.push((
            "sample diversity",
            format!(
                "{:.2} of real faces' ({:.3} vs {:.3} mean pairwise RMS distance)",
                q.diversity_ratio, q.sample_diversity, q.data_diversity
            ),
        ));
        rows.push((
            "held-out loss",
            format!(
                "{:.2} = {:.2} reconstruction + {:.2} KL",
                q.loss, q.reconstruction, q.kl
            ),
        ));
        rows.push((
            "reconstruction error",
            format!(
                "{:.4} mean squared per pixel on {} unseen faces",
                q.reconstruction_mse, q.images
            ),
        ));
    }
    rows
}

#[function_component(ModelQuality)]
pub fn model_quality(props: &ModelQualityProps) -> Html {
    let rows = rows(props);
    if rows.is_empty() {
        return html! {};
    }
    let meaning = props.fidelity.as_ref().map(|f| {
        format!(
            "The distances compare {} images of each kind with {} in the features of \
             an ImageNet network ({}): lower is closer to real faces, and the figure in \
             brackets is real training faces against the same faces, the best a model can \
             score with this many images. They are not comparable with published FIDs, \
             which use the Inception network and 50,000 images.",
            f.images, f.reference, f.features
        )
    });
    html! {
        <details id="model-quality" class="explain">
            <summary>{"How good is this model?"}</summary>
            <dl>
                { for rows.into_iter().map(|(label, value)| html! { <><dt>{label}</dt><dd>{value}</dd></> }) }
            </dl>
            { for meaning.map(|text| html! { <p id="fidelity-meaning">{text}</p> }) }
        </details>
    }
}
