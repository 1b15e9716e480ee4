//! Buttons to choose WebGPU or the CPU.

use yew::prelude::*;

use crate::services::engine::{Backend, WebGpuAdapter};

#[derive(Properties, PartialEq)]
pub struct BackendSwitchProps {
    pub current: Option<Backend>,
    pub webgpu: Option<WebGpuAdapter>,
    /// The device was lost this visit: WebGPU stays off until a reload.
    pub webgpu_lost: bool,
    pub on_switch: Callback<Backend>,
}

#[function_component(BackendSwitch)]
pub fn backend_switch(props: &BackendSwitchProps) -> Html {
    let button = |backend: Backend| {
        let on_switch = props.on_switch.clone();
        let pressed = props.current == Some(backend);
        let webgpu = backend == Backend::WebGpu;
        let unavailable =
            webgpu && (props.webgpu_lost || props.webgpu == Some(WebGpuAdapter::Missing));
        let title = match &props.webgpu {
            _ if webgpu && props.webgpu_lost => {
                "the WebGPU device was lost: reload the page to use it again".into()
            }
            Some(WebGpuAdapter::Missing) if webgpu => {
                "this browser offers no WebGPU adapter".into()
            }
            Some(WebGpuAdapter::Software(name)) if webgpu => {
                format!("{name}: software WebGPU, slower than the CPU path")
            }
            _ => String::new(),
        };
        html! {
            <button id={format!("use-{}", backend.query_value())} aria-pressed={pressed.to_string()}
                    disabled={unavailable} title={title}
                    onclick={Callback::from(move |_| on_switch.emit(backend))}>
                {backend.to_string()}
            </button>
        }
    };
    html! {
        <div class="backend-switch" role="group" aria-label="backend">
            {button(Backend::WebGpu)}
            {button(Backend::Cpu)}
        </div>
    }
}
