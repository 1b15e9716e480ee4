//! "Similar data have similar distributions": labelled real images as feature vectors
//! (raw pixels, an encoder's code, a pretrained CNN's features), projected to 3-D by
//! PCA and t-SNE, with how well the classes separate in each space; and t-SNE rerun
//! live on the same input.

mod data;
mod live;

use std::rc::Rc;

use latentlab_model::projections::{ProjectionFile, Thumbnails};
use yew::prelude::*;

use super::shared::{input_number, keyword_select};
use crate::components::cloud::Cloud;
use crate::components::legend::Legend;
use crate::hooks::use_app;
use crate::route::Method;
use crate::route::limits;
use crate::state::Action;
use data::{Loaded, use_projections};
use live::LiveTsne;

/// Points a live run takes at most: exact t-SNE costs n^2 per iteration.
const LIVE_POINTS: usize = 500;
/// Side of a picked point's picture on screen.
const PICTURE_PX: usize = 128;

/// What a feature space's name means, for a reader.
fn describe(features: &str, dim: usize) -> String {
    match features.split_once(':') {
        Some(("encoder", model)) => format!("{model}'s encoder: posterior means ({dim}-D)"),
        _ if features == "pixels" => format!("raw pixels ({dim}-D)"),
        _ if features == "efficientnet-lite0" => {
            format!("EfficientNet-Lite0 features, an ImageNet-pretrained CNN ({dim}-D)")
        }
        _ => format!("{features} ({dim}-D)"),
    }
}

/// A projection's points as `[n, 3]` (a 2-D one lies flat at depth 0).
fn as_3d(points: &[f32], dims: usize) -> Vec<f32> {
    points
        .chunks_exact(dims.max(1))
        .flat_map(|p| {
            [
                p[0],
                p.get(1).copied().unwrap_or(0.0),
                p.get(2).copied().unwrap_or(0.0),
            ]
        })
        .collect()
}

/// Point `index`'s tile of the atlas at `url`, drawn `PICTURE_PX` wide.
fn picture(url: &str, atlas: &Thumbnails, index: usize) -> Html {
    let scale = PICTURE_PX as f64 / atlas.side as f64;
    let tile = PICTURE_PX as f64;
    let (column, row) = (index % atlas.columns, index / atlas.columns);
    let style = format!(
        "width:{tile}px;height:{tile}px;background-image:url({url});\
         background-size:{}px auto;background-position:-{}px -{}px",
        atlas.columns as f64 * atlas.side as f64 * scale,
        column as f64 * tile,
        row as f64 * tile
    );
    html! { <div id="point-picture" class="thumbnail" role="img" aria-label={format!("image of point {index}")} style={style}></div> }
}

/// The separation figures of every space: agreement in the full space and in each
/// projection.
fn separation_table(file: &ProjectionFile, current: usize) -> Html {
    let figure = |a: Option<f64>| a.map_or("-".into(), |a| format!("{a:.3}"));
    html! {
        <div class="scroll-x"><table id="separation" class="results">
            <caption>{format!("{}-nearest-neighbour label agreement: the share of each image's {} nearest \
                neighbours that have its class (1 = classes fully apart; {:.2} = what random neighbours give)",
                file.k, file.k, chance(file))}</caption>
            <thead><tr><th>{"features"}</th><th>{"full space"}</th><th>{"PCA 3-D"}</th><th>{"t-SNE 3-D"}</th></tr></thead>
            <tbody>
            { for file.spaces.iter().enumerate().map(|(i, space)| {
                let of = |method: &str| space.projections.iter().find(|p| p.method == method).map(|p| p.agreement);
                html! {
                    <tr data-features={space.features.clone()} data-agreement={space.agreement.to_string()}
                        class={(i == current).then_some("current")}>
                        <td>{describe(&space.features, space.feature_dim)}</td>
                        <td>{figure(Some(space.agreement))}</td>
                        <td>{figure(of("pca"))}</td>
                        <td>{figure(of("tsne"))}</td>
                    </tr>
                }
            }) }
            </tbody>
        </table></div>
    }
}

/// The agreement random neighbours would give: the chance two images share a class.
fn chance(file: &ProjectionFile) -> f64 {
    let n = file.labels.len().max(1) as f64;
    (0..file.classes.len() as u32)
        .map(|c| (file.labels.iter().filter(|&&l| l == c).count() as f64 / n).powi(2))
        .sum()
}

#[function_component(DistributionsPage)]
pub fn distributions_page() -> Html {
    let app = use_app();
    let view = &app.view;
    let download = use_projections(view.projection_set);
    let dispatcher = app.dispatcher();
    let loaded: Option<Rc<Loaded>> = download.clone().and_then(Result::ok);
    let space_index = loaded.as_ref().map_or(0, |l| {
        view.feature_space
            .min(l.file.spaces.len().saturating_sub(1))
    });
    // The cloud, the live run's input and the labels, derived once per choice.
    let shown = use_memo(
        (loaded.clone(), space_index, view.method),
        |(loaded, space, method)| {
            let loaded = loaded.as_ref()?;
            let projection = loaded.projection(*space, *method)?;
            let features = &loaded.file.spaces[*space];
            let labels = Rc::new(loaded.file.labels.clone());
            let live_n = labels.len().min(LIVE_POINTS);
            let live_input: Vec<f64> = features
                .reduced
                .iter()
                .take(live_n * features.reduced_dim)
                .map(|&v| f64::from(v))
                .collect();
            Some((
                Rc::new(as_3d(&projection.points, projection.dims)),
                labels.clone(),
                Rc::new(live_input),
                features.reduced_dim,
                Rc::new(labels[..live_n].to_vec()),
            ))
        },
    );

    let on_perplexity = {
        let d = dispatcher.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(p) = input_number::<f64>(&e) {
                d.dispatch(Action::SetPerplexity(p));
            }
        })
    };
    let on_space = {
        let d = dispatcher.clone();
        Callback::from(move |e: Event| {
            let s: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Ok(i) = s.value().parse() {
                d.dispatch(Action::SetFeatureSpace(i));
            }
        })
    };

    let body = match (&download, &loaded, &*shown) {
        (None, _, _) => {
            html! { <p id="projections-status" class="note">{"downloading the projections"}</p> }
        }
        (Some(Err(e)), _, _) => html! { <p id="projections-status" class="error">{e.clone()}</p> },
        (_, Some(loaded), Some((cloud, labels, live_input, live_dim, live_labels))) => {
            let file = &loaded.file;
            let space = &file.spaces[space_index];
            let projection = loaded.projection(space_index, view.method);
            let picked = view.picked.filter(|&i| i < labels.len());
            let picked_text = picked.map_or_else(
                || "click a point to see its image".to_string(),
                |i| {
                    let class = file
                        .classes
                        .get(labels[i] as usize)
                        .cloned()
                        .unwrap_or_default();
                    format!("{class} · point #{i}")
                },
            );
            let picture = match (&loaded.thumbnails, picked) {
                (Ok(url), Some(i)) => file.thumbnails.as_ref().map(|t| picture(url, t, i)),
                (Err(why), Some(_)) => {
                    Some(html! { <p id="picture-missing" class="note">{why.clone()}</p> })
                }
                _ => None,
            };
            let figure = projection.map(|p| {
                let explained = if p.explained.is_empty() {
                    String::new()
                } else {
                    let share: f64 = p.explained.iter().sum();
                    format!("; the three axes hold {:.0}% of the variance", share * 100.0)
                };
                format!(
                    "{}-NN label agreement: {:.3} in the full {}-D space, {:.3} in this {} projection{explained}",
                    file.k, space.agreement, space.feature_dim, p.agreement,
                    if view.method == Method::Pca { "PCA" } else { "t-SNE" }
                )
            });
            html! {
                <>
                    <div class="controls">
                        <label>{"features "}<select id="feature-space" onchange={on_space}>
                            { for file.spaces.iter().enumerate().map(|(i, s)| html! {
                                <option value={i.to_string()} selected={i == space_index}>{describe(&s.features, s.feature_dim)}</option>
                            }) }
                        </select></label>
                        <label>{"projection "}{keyword_select(&dispatcher, "method", view.method, Action::SetMethod)}</label>
                    </div>
                    <p id="separation-figure" class="note" data-agreement={projection.map(|p| p.agreement.to_string()).unwrap_or_default()}>
                        {figure.unwrap_or_else(|| "this feature space has no such projection".into())}</p>
                    <div class="cloud-layout">
                        <Cloud id="projection-cloud" points={cloud.clone()} labels={labels.clone()}
                               label={format!("{} images of {} in 3-D", labels.len(), file.dataset)} />
                        <div class="sliders">
                            { for picture }
                            <p id="picked-label">{picked_text}</p>
                        </div>
                    </div>
                    <Legend classes={file.classes.clone()} />
                    { separation_table(file, space_index) }
                    <h3>{"t-SNE, live"}</h3>
                    <p class="explain">{format!("t-SNE places each point so that its nearest neighbours in the \
                        {}-D input (these features on their top principal axes, as the CLI used) stay its \
                        nearest neighbours in 3-D. Perplexity is roughly how many neighbours each point \
                        tries to keep. Run it here on the first {} points and watch the clouds separate \
                        (seed 0 and 1,000 iterations, as the CLI ran the projection above).", live_dim, live_labels.len())}</p>
                    <div class="controls">
                        <label class="slider">{format!("perplexity {:.0} ", view.perplexity)}
                            <input id="perplexity" type="range" min={limits::PERPLEXITY.0.to_string()} max={limits::PERPLEXITY.1.to_string()} step="1"
                                   value={view.perplexity.to_string()} oninput={on_perplexity} /></label>
                    </div>
                    <LiveTsne points={live_input.clone()} dim={*live_dim} labels={live_labels.clone()}
                              perplexity={view.perplexity} k={file.k} />
                </>
            }
        }
        _ => {
            html! { <p id="projections-status" class="error">{"the projections file has no feature spaces"}</p> }
        }
    };
    html! {
        <section class="activity" aria-labelledby="distributions-title">
            <h2 id="distributions-title">{"Data distributions"}</h2>
            <p class="explain">{"Every image is a long list of numbers: its pixels, or features a network \
                computes from it. If similar images give nearby lists, the images of one kind fill one \
                region of that space: data have a distribution, and that is what a generative model \
                learns. To see it, each list is squeezed to three numbers (PCA keeps the directions \
                of most variance; t-SNE keeps each point's nearest neighbours) and drawn as a cloud \
                you can turn. Compare raw pixels with a pretrained network's features: the photos \
                are the same, only the numbers describing them change."}</p>
            <div class="controls">
                <label>{"images "}{keyword_select(&dispatcher, "pset", view.projection_set, Action::SetProjectionSet)}</label>
            </div>
            { body }
        </section>
    }
}
