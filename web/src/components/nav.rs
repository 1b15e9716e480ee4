//! The navigation between activities: real links (so they can be opened in a new tab)
//! that switch in place without reloading the model.

use yew::prelude::*;

use crate::route::{Group, Page};

#[derive(Properties, PartialEq)]
pub struct NavProps {
    pub current: Page,
    pub on_navigate: Callback<Page>,
}

#[function_component(Nav)]
pub fn nav(props: &NavProps) -> Html {
    let link = |page: Page| {
        let on_navigate = props.on_navigate.clone();
        let onclick = Callback::from(move |event: MouseEvent| {
            // A modified click (new tab) keeps the browser's behaviour.
            if !(event.ctrl_key() || event.meta_key() || event.shift_key()) {
                event.prevent_default();
                on_navigate.emit(page);
            }
        });
        let current = (props.current == page).then_some("page");
        html! {
            <li><a href={format!("?page={}", page.id())} data-page={page.id()} aria-current={current}
                   onclick={onclick}>{page.title()}</a></li>
        }
    };
    let group = |group: Group| {
        let pages = Page::ALL.into_iter().filter(move |p| p.group() == group);
        html! {
            <ul class={group.class()}>
                <li class="nav-group">{group.title()}</li>
                { for pages.map(link) }
            </ul>
        }
    };
    html! {
        <nav aria-label="activities">
            { for Group::ALL.into_iter().map(group) }
        </nav>
    }
}
