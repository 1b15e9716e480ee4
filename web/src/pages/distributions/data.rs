//! The shipped projections (`web/projections/<set>/projections.json`, written by
//! `latentlab project`) and the images' atlas beside them when the server has it.

use std::rc::Rc;

use latentlab_model::projections::{Projection, ProjectionFile};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::route::{Keyword, Method, ProjectionSet};
use crate::services::engine::fetch_bytes;

/// A projections file and, when it came with one, its atlas as an object URL.
#[derive(PartialEq)]
pub struct Loaded {
    pub file: ProjectionFile,
    pub thumbnails: Result<String, String>,
}

impl Loaded {
    /// The projection `method` of feature space `index` (the last space when the index
    /// is past the end, as a link from a file with more spaces would be).
    pub fn projection(&self, index: usize, method: Method) -> Option<&Projection> {
        let space = self
            .file
            .spaces
            .get(index.min(self.file.spaces.len().checked_sub(1)?))?;
        space.projections.iter().find(|p| p.method == method.word())
    }
}

/// `None` while downloading, then the file or why it could not be read (naming it).
pub type Download = Option<Result<Rc<Loaded>, String>>;

async fn download(set: ProjectionSet) -> Result<Loaded, String> {
    let base = format!("projections/{}", set.word());
    let url = format!("{base}/projections.json");
    let bytes = fetch_bytes(&url)
        .await
        .map_err(|e| format!("{e} (scripts/projections.sh makes it from the data)"))?;
    let file = ProjectionFile::from_json(&bytes).map_err(|e| format!("{url}: {e}"))?;
    let thumbnails = match &file.thumbnails {
        None => Err(format!("{url} lists no pictures of its points")),
        Some(t) => match fetch_bytes(&format!("{base}/{}", t.file)).await {
            Ok(bytes) => object_url(&bytes),
            Err(e) => Err(format!(
                "{e}: this server has the points without their pictures \
                 (scripts/projections.sh makes them from the data)"
            )),
        },
    };
    Ok(Loaded { file, thumbnails })
}

/// Bytes as a URL an `<img>` or CSS background can use without fetching again.
fn object_url(bytes: &[u8]) -> Result<String, String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes).into());
    web_sys::Blob::new_with_u8_array_sequence(&parts)
        .and_then(|blob| web_sys::Url::create_object_url_with_blob(&blob))
        .map_err(|e: JsValue| format!("cannot show the pictures: {e:?}"))
}

/// Downloads `set`'s projections whenever the set changes. Each result is kept with
/// its set, so a slow earlier download that lands late is never shown for another.
#[hook]
pub fn use_projections(set: ProjectionSet) -> Download {
    let state = use_state(|| None::<(ProjectionSet, Result<Rc<Loaded>, String>)>);
    {
        let state = state.clone();
        use_effect_with(set, move |&set| {
            spawn_local(async move { state.set(Some((set, download(set).await.map(Rc::new)))) });
        });
    }
    match &*state {
        Some((done, result)) if *done == set => Some(result.clone()),
        _ => None,
    }
}
