//! A canvas showing one RGBA picture (a decode, a grid of decodes, a strip).

use std::rc::Rc;

use latentlab_model::grid::RgbaGrid;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ImageCanvasProps {
    pub id: AttrValue,
    pub picture: Option<Rc<RgbaGrid>>,
    #[prop_or_default]
    pub class: Classes,
    pub label: AttrValue,
}

/// The 2-D drawing context of `canvas`.
pub fn context_2d(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas
        .get_context("2d")
        .ok()
        .flatten()
        .map(|c| c.unchecked_into())
}

/// Sizes `canvas` to `picture` and paints it.
pub fn paint(canvas: &HtmlCanvasElement, picture: &RgbaGrid) {
    canvas.set_width(picture.width as u32);
    canvas.set_height(picture.height as u32);
    let image = ImageData::new_with_u8_clamped_array_and_sh(
        Clamped(&picture.pixels),
        picture.width as u32,
        picture.height as u32,
    );
    if let (Some(context), Ok(image)) = (context_2d(canvas), image) {
        let _ = context.put_image_data(&image, 0.0, 0.0);
    }
}

#[function_component(ImageCanvas)]
pub fn image_canvas(props: &ImageCanvasProps) -> Html {
    let canvas = use_node_ref();
    {
        let canvas = canvas.clone();
        use_effect_with(props.picture.clone(), move |picture| {
            if let (Some(picture), Some(element)) = (picture, canvas.cast::<HtmlCanvasElement>()) {
                paint(&element, picture);
            }
        });
    }
    html! {
        <canvas id={props.id.clone()} class={classes!("picture", props.class.clone())} ref={canvas}
                role="img" aria-label={props.label.clone()}></canvas>
    }
}
