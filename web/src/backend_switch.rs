//! Buttons to choose WebGPU or the CPU.

use yew::prelude::*;

use crate::engine::Backend;

#[derive(Properties, PartialEq)]
pub struct BackendSwitchProps {
    pub current: Option<Backend>,
    pub webgpu_available: Option<bool>,
    pub on_switch: Callback<Backend>,
}

#[function_component(BackendSwitch)]
pub fn backend_switch(props: &BackendSwitchProps) -> Html {
    let button = |backend: Backend| {
        let on_switch = props.on_switch.clone();
        let pressed = props.current == Some(backend);
        let unavailable = backend == Backend::WebGpu && props.webgpu_available == Some(false);
        let title = if unavailable {
            "this browser offers no WebGPU adapter"
        } else {
            ""
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
