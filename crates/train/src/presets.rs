//! Per-model training defaults: the seeds' data, batch size, learning rate, epochs.

use latentlab_model::zoo::ZOO_NAMES;

#[derive(Debug, Clone, Copy)]
pub struct Preset {
    pub name: &'static str,
    /// Folder under `$LATENTLAB_DATA` and the dataset name IDX data gets.
    pub dataset: &'static str,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub epochs: usize,
}

const PRESETS: [Preset; 7] = [
    Preset {
        name: "mlp-ae",
        dataset: "mnist",
        batch_size: 64,
        learning_rate: 1e-3,
        epochs: 10,
    },
    Preset {
        name: "linear-ae",
        dataset: "mnist",
        batch_size: 64,
        learning_rate: 1e-3,
        epochs: 10,
    },
    Preset {
        name: "mnist-vae",
        dataset: "mnist",
        batch_size: 128,
        learning_rate: 1e-3,
        epochs: 10,
    },
    Preset {
        name: "fashion-ae",
        dataset: "fashion-mnist",
        batch_size: 100,
        learning_rate: 1e-3,
        epochs: 3,
    },
    Preset {
        name: "fashion-vae",
        dataset: "fashion-mnist",
        batch_size: 100,
        learning_rate: 5e-4,
        epochs: 5,
    },
    Preset {
        name: "celeba-vae",
        dataset: "celeba",
        batch_size: 128,
        learning_rate: 5e-4,
        epochs: 10,
    },
    Preset {
        name: "frey-vae",
        dataset: "frey",
        batch_size: 100,
        learning_rate: 1e-3,
        epochs: 100,
    },
];

pub fn preset(name: &str) -> Option<Preset> {
    PRESETS.iter().copied().find(|p| p.name == name)
}

/// Every zoo model has a preset (checked by a test, so adding a model without one fails).
pub fn names() -> &'static [&'static str] {
    &ZOO_NAMES
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_zoo_model_has_a_preset() {
        for name in super::names() {
            assert!(super::preset(name).is_some(), "{name}");
        }
    }
}
