//! The canvas that shows the decoded grid.

use std::rc::Rc;

use latentlab_model::grid::RgbaGrid;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SampleGridProps {
    pub grid: Option<Rc<RgbaGrid>>,
}

fn paint(canvas: &HtmlCanvasElement, grid: &RgbaGrid) -> Result<(), wasm_bindgen::JsValue> {
    canvas.set_width(grid.width as u32);
    canvas.set_height(grid.height as u32);
    let context: CanvasRenderingContext2d = canvas
        .get_context("2d")?
        .ok_or("no 2d context")?
        .unchecked_into();
    let image = ImageData::new_with_u8_clamped_array_and_sh(
        Clamped(&grid.pixels),
        grid.width as u32,
        grid.height as u32,
    )?;
    context.put_image_data(&image, 0.0, 0.0)
}

#[function_component(SampleGrid)]
pub fn sample_grid(props: &SampleGridProps) -> Html {
    let canvas = use_node_ref();
    {
        let canvas = canvas.clone();
        use_effect_with(props.grid.clone(), move |grid| {
            if let (Some(grid), Some(element)) = (grid, canvas.cast::<HtmlCanvasElement>()) {
                if let Err(error) = paint(&element, grid) {
                    web_sys::console::error_1(&error);
                }
            }
        });
    }
    html! {
        <canvas id="samples" class="samples" ref={canvas} aria-label="decoded samples"></canvas>
    }
}
