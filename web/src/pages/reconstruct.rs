//! Your photo: crop and shrink a picture on the page, encode it, decode it back, and
//! use it as the current face.

use std::rc::Rc;

use latentlab_model::grid::{RgbaGrid, rgba_to_image};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{File, HtmlCanvasElement, HtmlImageElement, HtmlInputElement, Url};
use yew::prelude::*;

use crate::components::current_face::CurrentFace;
use crate::components::image_canvas::{ImageCanvas, context_2d};
use crate::hooks::decoder::picture;
use crate::hooks::decoder::use_decoder;
use crate::hooks::use_app;
use crate::services::engine::Engine;
use crate::state::{Action, Photo, Slot};

/// Waits for `image` to decode `url`.
async fn load_image(url: &str) -> Result<HtmlImageElement, String> {
    let image = HtmlImageElement::new().map_err(|e| format!("{e:?}"))?;
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let on_load = Closure::once_into_js(move || resolve.call0(&wasm_bindgen::JsValue::NULL));
        let on_error = Closure::once_into_js(move || reject.call0(&wasm_bindgen::JsValue::NULL));
        image.set_onload(Some(on_load.unchecked_ref()));
        image.set_onerror(Some(on_error.unchecked_ref()));
    });
    image.set_src(url);
    JsFuture::from(promise)
        .await
        .map_err(|_| "the browser cannot read this file as an image".to_string())?;
    Ok(image)
}

/// The centred crop of `image` with the model's aspect ratio, scaled to `width` x `height`.
fn crop(image: &HtmlImageElement, width: usize, height: usize) -> Result<RgbaGrid, String> {
    let (iw, ih) = (
        f64::from(image.natural_width()),
        f64::from(image.natural_height()),
    );
    if iw == 0.0 || ih == 0.0 {
        return Err("the image is empty".into());
    }
    let aspect = width as f64 / height as f64;
    let (cw, ch) = if iw / ih > aspect {
        (ih * aspect, ih)
    } else {
        (iw, iw / aspect)
    };
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let canvas: HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(|e| format!("{e:?}"))?
        .unchecked_into();
    canvas.set_width(width as u32);
    canvas.set_height(height as u32);
    let context = context_2d(&canvas).ok_or("no 2d context")?;
    context
        .draw_image_with_html_image_element_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
            image,
            (iw - cw) / 2.0,
            (ih - ch) / 2.0,
            cw,
            ch,
            0.0,
            0.0,
            width as f64,
            height as f64,
        )
        .map_err(|e| format!("{e:?}"))?;
    let data = context
        .get_image_data(0.0, 0.0, width as f64, height as f64)
        .map_err(|e| format!("{e:?}"))?;
    Ok(RgbaGrid {
        width,
        height,
        pixels: data.data().0,
    })
}

/// The largest photo file the page opens: bigger ones are refused before the browser
/// decodes them (a huge file would stall the tab for nothing, the crop is 64 px).
pub const MAX_PHOTO_BYTES: f64 = 40.0 * 1024.0 * 1024.0;
/// The largest side the page draws: past it canvases fail or the tab runs out of memory.
pub const MAX_PHOTO_SIDE: u32 = 12_000;

/// Reads `file`, crops it to the model's size and encodes it.
async fn encode_photo(engine: &Engine, file: File) -> Result<Photo, String> {
    if file.size() > MAX_PHOTO_BYTES {
        return Err(format!(
            "{}: {:.0} MB is larger than the {:.0} MB this page opens; a smaller copy gives \
             the same 64 px face",
            file.name(),
            file.size() / 1048576.0,
            MAX_PHOTO_BYTES / 1048576.0
        ));
    }
    let url = Url::create_object_url_with_blob(&file).map_err(|e| format!("{e:?}"))?;
    let image = load_image(&url).await;
    let _ = Url::revoke_object_url(&url);
    let image = image.map_err(|e| format!("{}: {e}", file.name()))?;
    let side = image.natural_width().max(image.natural_height());
    if side > MAX_PHOTO_SIDE {
        return Err(format!(
            "{}: {} x {} pixels is larger than the {MAX_PHOTO_SIDE} px a side this page draws",
            file.name(),
            image.natural_width(),
            image.natural_height()
        ));
    }
    let [channels, height, width] = engine.manifest.image_shape();
    let crop = crop(&image, width, height)?;
    let z = engine
        .encode(&rgba_to_image(&crop.pixels, channels))
        .await?;
    Ok(Photo { crop, z })
}

#[function_component(ReconstructPage)]
pub fn reconstruct_page() -> Html {
    let app = use_app();
    let (decoded, request) = use_decoder("reconstruct");
    let engine = app.engine(Slot::Faces);
    use_effect_with(
        (engine.clone(), app.photo.clone()),
        move |(engine, photo)| {
            if let (Some(engine), Some(photo)) = (engine, photo) {
                request.emit((engine.clone(), photo.z.clone()));
            }
        },
    );
    let open = {
        let dispatcher = app.dispatcher();
        Callback::from(move |file: File| {
            let Some(engine) = engine.clone() else { return };
            let dispatcher = dispatcher.clone();
            spawn_local(async move {
                match encode_photo(&engine, file).await {
                    Ok(photo) => dispatcher.dispatch(Action::SetPhoto(Rc::new(photo))),
                    Err(message) => dispatcher.dispatch(Action::LoadFailed(message)),
                }
            });
        })
    };
    let on_pick = {
        let open = open.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Some(file) = input.files().and_then(|f| f.get(0)) {
                open.emit(file);
            }
        })
    };
    let on_drop = Callback::from(move |e: DragEvent| {
        e.prevent_default();
        if let Some(file) = e
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0))
        {
            open.emit(file);
        }
    });
    let on_drag_over = Callback::from(|e: DragEvent| e.prevent_default());
    let dispatcher = app.dispatcher();
    let on_use = Callback::from(move |_| dispatcher.dispatch(Action::UsePhoto));
    let original = app.photo.as_ref().map(|p| Rc::new(p.crop.clone()));
    html! {
        <section class="activity" aria-labelledby="photo-title">
            <h2 id="photo-title">{"Reconstruct your own photo"}</h2>
            <p class="explain">{"The encoder maps your photo to the mean of its latent distribution; \
                the decoder turns that z back into a face. What survives the 200 numbers (pose, \
                skin, hair colour, lighting) and what is lost (fine detail, anything unlike the \
                training faces) shows what the model has learned. Nothing leaves your browser."}</p>
            <div class="drop" ondrop={on_drop} ondragover={on_drag_over}>
                <label for="photo">{"Choose or drop a photo (centred square crop): "}</label>
                <input id="photo" type="file" accept="image/*" onchange={on_pick} />
            </div>
            <div class="pair">
                <figure><ImageCanvas id="photo-original" class="big" picture={original} label="your photo, cropped" />
                    <figcaption>{"your photo"}</figcaption></figure>
                <figure><ImageCanvas id="photo-reconstruction" class="big" picture={picture(&decoded, 1)}
                                     label="its reconstruction" />
                    <figcaption>{"decoded from its z"}</figcaption></figure>
            </div>
            <button id="use-photo" disabled={app.photo.is_none()} onclick={on_use}>
                {"Use as the current face (for morph and attributes)"}</button>
            <CurrentFace />
        </section>
    }
}
