//! Class colours and names for the latent scatters (the colour-blind-safe palette the
//! CLI's plots use).

use latentlab_model::palette::{class_colour, hex};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LegendProps {
    pub classes: Vec<String>,
}

#[function_component(Legend)]
pub fn legend(props: &LegendProps) -> Html {
    html! {
        <ul id="legend" class="legend" aria-label="classes">
            { for props.classes.iter().enumerate().map(|(i, name)| html! {
                <li><span class="swatch" style={format!("background:{}", hex(class_colour(i as u32)))}></span>{name}</li>
            }) }
        </ul>
    }
}
