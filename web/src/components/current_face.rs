//! Names the current face, which the sample grid, the photo page, the morph and the
//! attribute sliders share.

use yew::prelude::*;

use crate::hooks::use_app;
use crate::route::Endpoint;

#[function_component(CurrentFace)]
pub fn current_face() -> Html {
    let app = use_app();
    let name = match (app.view.face, &app.photo) {
        (Endpoint::Photo, Some(_)) => "your photo".to_string(),
        (Endpoint::Photo, None) => "face 0 (the photo is not kept across reloads)".to_string(),
        (Endpoint::Face(id), _) => format!("face {id}"),
    };
    html! { <p class="current-face">{"Current face: "}<strong id="current-face">{name}</strong></p> }
}
