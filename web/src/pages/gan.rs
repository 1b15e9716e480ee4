//! GAN faces: a DCGAN's generator turns z drawn from its prior (uniform or Gaussian)
//! into faces; the prior can be switched (beside a twin generator trained on the
//! other prior, where one ships), two faces interpolated, and the same z decoded by
//! the face VAE beside it.

use std::rc::Rc;

use latentlab_model::gan::Prior;
use latentlab_model::grid::{RgbaGrid, tile_rgba};
use latentlab_model::latent::{interpolate, prior_latent, prior_latents};
use latentlab_model::view::density_histogram;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use super::shared::input_number;
use crate::components::image_canvas::ImageCanvas;
use crate::components::model_quality::ModelQuality;
use crate::hooks::decoder::{Decoded, picture, use_decoder};
use crate::hooks::use_app;
use crate::plot::{self, Axes, ORANGE};
use crate::route::Keyword;
use crate::route::limits;
use crate::state::{Action, GRID_FACES, Slot};

/// Frames of the interpolation strip, A first and B last.
const FRAMES: usize = 8;
/// Faces decoded by both models in the side-by-side rows.
const BOTH: usize = 8;

/// The grid's z coordinates as a density histogram against the prior's pdf: what the
/// prior switch changes is only this picture, the generator stays the same.
fn draw_z_histogram(canvas: &HtmlCanvasElement, z: &[f32], prior: Prior) {
    let Some(ctx) = plot::start(canvas, 320, 150) else {
        return;
    };
    const BINS: usize = 40;
    const RANGE: (f32, f32) = (-3.5, 3.5);
    let density: Vec<f64> = density_histogram(z.iter().copied(), RANGE, BINS)
        .into_iter()
        .map(f64::from)
        .collect();
    let axes = Axes {
        x: (f64::from(RANGE.0), f64::from(RANGE.1)),
        y: (0.0, 0.7),
        rect: (20.0, 12.0, 290.0, 110.0),
    };
    plot::frame(&ctx, &axes, "z");
    plot::bars(&ctx, &axes, &density, "#4477aa99");
    plot::curve(&ctx, &axes, |x| prior.pdf(x), ORANGE, 2.0);
}

fn prior_label(prior: Prior) -> &'static str {
    match prior {
        Prior::Uniform => "uniform U(-1, 1)",
        Prior::Normal => "Gaussian N(0, 1)",
    }
}

/// What feeding the generator z from `chosen` means when it trained on `trained`, for
/// a `dim`-D z: a Gaussian z's length concentrates near sqrt(dim), a uniform one's near
/// sqrt(dim / 3).
fn prior_note(trained: Prior, chosen: Prior, dim: usize) -> String {
    let own = format!(
        "This generator was trained on z from the {} prior. The prior never changes \
         during training and is not learned: only the generator's weights are.",
        prior_label(trained)
    );
    let gaussian_length = (dim as f64).sqrt();
    let uniform_length = (dim as f64 / 3.0).sqrt();
    let effect = match (trained, chosen) {
        (t, c) if t == c => "These z come from that same distribution, so every face is \
            something the discriminator pushed the generator to make look real."
            .to_string(),
        (Prior::Normal, Prior::Uniform) => format!(
            "Now the same generator gets uniform z: every coordinate lies in [-1, 1] with \
             standard deviation 0.58 instead of 1. In {dim} dimensions almost every Gaussian \
             z it trained on lies near a sphere of radius {gaussian_length:.1}; these z lie \
             near radius {uniform_length:.1}, well inside it, a region it almost never saw, \
             so nothing trained it to make real-looking faces there."
        ),
        _ => format!(
            "Now the same generator gets Gaussian z: about a third of the coordinates fall \
             outside [-1, 1], where it was never trained, and |z| grows from about \
             {uniform_length:.1} to about {gaussian_length:.1}, so images can break up."
        ),
    };
    format!(
        "{own} {effect} Face n is still the same seeded draw, passed through the chosen \
         prior, so a face id names a z under each prior."
    )
}

#[derive(Properties, PartialEq)]
struct IdFieldProps {
    id: AttrValue,
    label: AttrValue,
    value: u64,
    on_change: Callback<u64>,
}

#[function_component(IdField)]
fn id_field(props: &IdFieldProps) -> Html {
    let on_change = props.on_change.clone();
    let onchange = Callback::from(move |e: Event| {
        if let Some(id) = input_number(&e) {
            on_change.emit(id);
        }
    });
    html! {
        <label>{format!("{} face ", props.label)}
            <input id={props.id.clone()} type="number" min="0" value={props.value.to_string()} onchange={onchange} /></label>
    }
}

#[function_component(GanPage)]
pub fn gan_page() -> Html {
    let app = use_app();
    let (grid, request_grid) = use_decoder("gan");
    let (strip, request_strip) = use_decoder("gan-strip");
    let (beside, request_beside) = use_decoder("gan-vae");
    let (twin_row, request_twin) = use_decoder("gan-twin");
    let histogram = use_node_ref();
    let view = &app.view;
    let gan = app.engine(Slot::Gan);
    let vae = app.engine(Slot::Faces);
    let trained = gan
        .as_ref()
        .map_or(Prior::Normal, |e| e.manifest.model.prior());
    let prior = view.gan_prior.unwrap_or(trained);
    let dim = gan.as_ref().map_or(0, |e| e.manifest.latent_dim);
    let temperature = f64::from(view.temperature);
    let z = use_memo(
        (view.seed, prior, dim, view.temperature),
        |&(seed, prior, dim, temperature)| {
            prior_latents(
                prior,
                seed,
                GRID_FACES as usize,
                dim,
                f64::from(temperature),
            )
        },
    );
    {
        let z = z.clone();
        use_effect_with((gan.clone(), z), move |(gan, z)| {
            if let Some(gan) = gan {
                request_grid.emit((gan.clone(), (**z).clone()));
            }
        });
    }
    {
        let ends = (view.gan_a, view.gan_b, view.interpolation);
        use_effect_with(
            (gan.clone(), ends, prior, view.temperature),
            move |(gan, (a, b, how), prior, _)| {
                let Some(gan) = gan else { return };
                let dim = gan.manifest.latent_dim;
                let (za, zb) = (
                    prior_latent(*prior, *a, dim, temperature),
                    prior_latent(*prior, *b, dim, temperature),
                );
                let frames: Vec<f32> = (0..FRAMES)
                    .flat_map(|i| interpolate(&za, &zb, i as f32 / (FRAMES - 1) as f32, *how))
                    .collect();
                request_strip.emit((gan.clone(), frames));
            },
        );
    }
    // The generator trained on the chosen prior, when the shown one was not.
    let twin = app
        .engine(Slot::GanTwin)
        .filter(|t| t.manifest.model.prior() == prior && prior != trained)
        .filter(|t| t.manifest.latent_dim == dim);
    {
        let z = z.clone();
        use_effect_with((twin.clone(), z), move |(twin, z)| {
            if let Some(twin) = twin {
                request_twin.emit((twin.clone(), z[..BOTH * dim].to_vec()));
            }
        });
    }
    let comparable = matches!((&gan, &vae), (Some(g), Some(v)) if g.manifest.latent_dim == v.manifest.latent_dim);
    {
        let z = z.clone();
        use_effect_with((vae.clone(), z, comparable), move |(vae, z, comparable)| {
            if let (Some(vae), true) = (vae, *comparable) {
                let dim = vae.manifest.latent_dim;
                request_beside.emit((vae.clone(), z[..BOTH * dim].to_vec()));
            }
        });
    }
    {
        let histogram = histogram.clone();
        use_effect_with((z.clone(), prior), move |(z, prior)| {
            if let Some(canvas) = histogram.cast::<HtmlCanvasElement>() {
                draw_z_histogram(&canvas, z, *prior);
            }
        });
    }

    let dispatcher = app.dispatcher();
    let on_seed = {
        let d = dispatcher.clone();
        Callback::from(move |e: Event| {
            if let Some(seed) = input_number(&e) {
                d.dispatch(Action::SetSeed(seed));
            }
        })
    };
    let on_temperature = {
        let d = dispatcher.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(t) = input_number(&e) {
                d.dispatch(Action::SetTemperature(t));
            }
        })
    };
    let on_new = {
        let d = dispatcher.clone();
        Callback::from(move |_| d.dispatch(Action::NewSamples))
    };
    let prior_radio = |value: Prior| {
        let d = dispatcher.clone();
        let onchange = Callback::from(move |_: Event| d.dispatch(Action::SetGanPrior(value)));
        let trained_mark = if value == trained {
            " (trained on)"
        } else {
            ""
        };
        html! {
            <label><input type="radio" name="gan-prior" id={format!("gan-prior-{}", value.word())}
                checked={prior == value} onchange={onchange} />{prior_label(value)}{trained_mark}</label>
        }
    };
    let on_a = {
        let d = dispatcher.clone();
        Callback::from(move |id| d.dispatch(Action::SetGanA(id)))
    };
    let on_b = {
        let d = dispatcher.clone();
        Callback::from(move |id| d.dispatch(Action::SetGanB(id)))
    };
    let faces = use_memo(grid.clone(), |grid| {
        grid.as_ref().map(|d| {
            let shape = d.engine.manifest.image_shape();
            d.pixels
                .chunks(d.engine.manifest.pixels())
                .map(|image| Rc::new(tile_rgba(image, shape, 1, 0)))
                .collect::<Vec<_>>()
        })
    });
    let cell = |index: u64| {
        let id = view.seed.wrapping_add(index);
        let face = faces
            .as_ref()
            .as_ref()
            .and_then(|f| f.get(index as usize).cloned());
        let d = dispatcher.clone();
        let onclick = Callback::from(move |_| d.dispatch(Action::SetGanA(id)));
        html! {
            <button class="face" data-face={id.to_string()} aria-pressed={(view.gan_a == id).to_string()}
                    title={format!("make face {id} face A of the interpolation")} onclick={onclick}>
                <ImageCanvas id={format!("gan-face-{id}")} picture={face} label={format!("GAN face {id}")} />
            </button>
        }
    };
    let side_by_side = match (&gan, &vae) {
        (Some(g), Some(v)) if !comparable => html! {
            <p class="note" id="gan-vae-why-not">{format!(
                "{} has a {}-D z and {} a {}-D z: one z cannot go into both, so there is no side-by-side.",
                g.manifest.name, g.manifest.latent_dim, v.manifest.name, v.manifest.latent_dim)}</p>
        },
        _ => html! {
            <>
                <ImageCanvas id="gan-row" class="strip" picture={first_row(&grid)}
                             label="the first eight z through the GAN's generator" />
                <ImageCanvas id="vae-row" class="strip" picture={picture(&beside, BOTH)}
                             label="the same eight z through the VAE's decoder" />
            </>
        },
    };
    let trained_on_this = match (&twin, &gan) {
        (Some(_), _) => html! {
            <>
                <h3>{"Trained on this prior"}</h3>
                <p class="explain">{format!(
                    "The top row is this generator fed the first eight z above; the bottom row is \
                     the same network trained on the same images for as long, but on z from the {} \
                     prior ({}), fed the same z.", prior_label(prior), app.slot(Slot::GanTwin).url)}</p>
                <ImageCanvas id="gan-own-row" class="strip" picture={first_row(&grid)}
                             label="the first eight z through this generator" />
                <ImageCanvas id="gan-twin-row" class="strip" picture={picture(&twin_row, BOTH)}
                             label="the same eight z through the generator trained on this prior" />
            </>
        },
        (None, Some(g)) if prior != trained => html! {
            <p class="note" id="gan-no-twin">{format!(
                "No generator trained on the {} prior ships beside {}. fashion-gan has one: ",
                prior_label(prior), g.manifest.name)}
                <a href="?page=gan&weights=weights/fashion-gan&zprior=uniform">{"compare the two"}</a>{"."}</p>
        },
        _ => html! {},
    };
    let (training, fidelity, latent) = gan.as_ref().map_or((None, None, 0), |g| {
        (
            g.manifest.training.clone(),
            g.manifest.fidelity.clone(),
            g.manifest.latent_dim,
        )
    });
    html! {
        <section class="activity" aria-labelledby="gan-title">
            <h2 id="gan-title">{"Faces from a GAN"}</h2>
            <p class="explain">{"A generative adversarial network trains two networks against each \
                other: the generator G turns a random vector z into an image, and the discriminator D \
                tries to tell G's images from real photos. G never sees a photo; it learns only from \
                D's verdicts on its own images. Drawing a random vector means drawing each of its \
                numbers from a fixed distribution, the prior; G maps that whole distribution of z onto \
                a distribution of images, P_model, which training pushes towards the faces' P_data."}</p>
            <div class="controls">
                <label>{"first face "}<input id="gan-seed" type="number" min="0" value={view.seed.to_string()} onchange={on_seed} /></label>
                <label>{"temperature "}<input id="gan-temperature" type="range" min={limits::TEMPERATURE.0.to_string()} max={limits::TEMPERATURE.1.to_string()} step="0.05"
                    value={view.temperature.to_string()} oninput={on_temperature} />
                    <output>{format!("{:.2}", view.temperature)}</output></label>
                <button id="gan-new" onclick={on_new}>{"New samples"}</button>
            </div>
            <div class="controls" role="radiogroup" aria-label="prior of z">
                {prior_radio(Prior::Uniform)}
                {prior_radio(Prior::Normal)}
            </div>
            <p class="explain" id="gan-prior-note">{prior_note(trained, prior, dim)}</p>
            <canvas ref={histogram} id="gan-z-histogram" aria-label="histogram of the grid's z values against the prior's density" />
            <div class="faces" id="gan-grid">{ for (0..GRID_FACES).map(cell) }</div>
            {trained_on_this}
            <h3>{"Interpolation"}</h3>
            <div class="controls">
                <IdField id="gan-a" label="A" value={view.gan_a} on_change={on_a} />
                <IdField id="gan-b" label="B" value={view.gan_b} on_change={on_b} />
            </div>
            <ImageCanvas id="gan-strip" class="strip" picture={picture(&strip, FRAMES)}
                         label="eight frames from face A to face B" />
            <h3>{"The same z, two models"}</h3>
            <p class="explain">{"The top row is the GAN's generator, the bottom row the face VAE's decoder, \
                fed the same eight z. The two networks have the same layers and the same 200-D z, yet \
                face n of one has nothing to do with face n of the other: each model learned its own map \
                from z to faces. The VAE was trained to reconstruct photos, so it hedges towards blurry \
                averages; the GAN was trained to fool a discriminator, so it commits to sharper detail \
                and sometimes gets it wrong."}</p>
            {side_by_side}
            <ModelQuality quality={None} fidelity={fidelity} training={training} latent_dim={latent} />
        </section>
    }
}

/// The first `BOTH` faces of the grid as one row.
fn first_row(grid: &Option<Rc<Decoded>>) -> Option<Rc<RgbaGrid>> {
    grid.as_ref().map(|d| {
        let per_face = d.engine.manifest.pixels();
        let pixels = &d.pixels[..(BOTH * per_face).min(d.pixels.len())];
        Rc::new(tile_rgba(pixels, d.engine.manifest.image_shape(), BOTH, 2))
    })
}
