//! "Load your own export": a file picker taking `manifest.json`, the weights and
//! (optionally) the points. The export is checked and started on the current backend
//! before it replaces anything, so a bad file leaves the page's model working.

use std::rc::Rc;

use latentlab_model::Manifest;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{File, HtmlInputElement};
use yew::prelude::*;

use crate::hooks::use_app;
use crate::services::engine::{Engine, ExportBytes};
use crate::state::{Action, Slot};

async fn read_file(file: &File) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("{}: cannot read: {e:?}", file.name()))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Sorts the chosen files into an export by their names.
async fn export_from_files(files: Vec<File>) -> Result<ExportBytes, String> {
    let names: Vec<String> = files.iter().map(File::name).collect();
    let manifest_file = files
        .iter()
        .find(|f| f.name().ends_with(".json"))
        .ok_or_else(|| {
            format!(
                "no manifest: choose manifest.json with the weights (got {})",
                names.join(", ")
            )
        })?;
    let manifest_name = manifest_file.name();
    let manifest = read_file(manifest_file).await?;
    let parsed = Manifest::from_json(&manifest).map_err(|e| format!("{manifest_name}: {e}"))?;
    let points_name = parsed.points.as_ref().map(|p| p.file.clone());
    let weights_file = files
        .iter()
        .find(|f| f.name() == parsed.weights_file)
        .or_else(|| {
            files
                .iter()
                .find(|f| f.name().ends_with(".safetensors") && Some(f.name()) != points_name)
        })
        .ok_or_else(|| {
            format!(
                "{manifest_name} names weights {} but they were not chosen",
                parsed.weights_file
            )
        })?;
    let weights = read_file(weights_file).await?;
    let points = match files.iter().find(|f| Some(f.name()) == points_name) {
        Some(file) => Some((file.name(), read_file(file).await?)),
        None => None,
    };
    Ok(ExportBytes {
        source: "your files".into(),
        manifest_name,
        manifest,
        weights_name: weights_file.name(),
        weights,
        points,
    })
}

#[function_component(ExportLoader)]
pub fn export_loader() -> Html {
    let app = use_app();
    let Some(&slot) = Slot::for_page(app.view.page).first() else {
        return html! {};
    };
    let onchange = {
        let app = app.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            let Some(list) = input.files() else { return };
            let files: Vec<File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
            input.set_value("");
            let Some(backend) = app.backend() else { return };
            let dispatcher = app.dispatcher();
            spawn_local(async move {
                let loaded = async {
                    let export = export_from_files(files).await?;
                    let engine = Engine::start(backend, &export).await?;
                    if let Some(why) = slot.rejects(&engine.manifest) {
                        return Err(why);
                    }
                    Ok((export, engine))
                };
                match loaded.await {
                    Ok((export, engine)) => dispatcher.dispatch(Action::Replaced(
                        slot,
                        Rc::new(export),
                        Rc::new(engine),
                    )),
                    Err(message) => dispatcher.dispatch(Action::LoadFailed(message)),
                }
            });
        })
    };
    html! {
        <div class="export-loader">
            <label for="export-files">{"Load your own export (manifest.json + model.safetensors [+ points.safetensors]): "}</label>
            <input id="export-files" type="file" multiple=true accept=".json,.safetensors" onchange={onchange} />
        </div>
    }
}
