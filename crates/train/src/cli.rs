//! The command line: every flag, its help and its parsing, in one place; the
//! commands that use them live in `commands/`.

use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{Parser, Subcommand, ValueEnum};
use latentlab_model::Zoo;

#[derive(Parser)]
#[command(
    name = "latentlab",
    version,
    about = "Train generative models, evaluate them and export them for the latentlab page"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Where tensors live, for every command.
    #[arg(long, global = true, value_enum, default_value_t = DeviceArg::Cpu)]
    pub device: DeviceArg,
    /// Seed of every random choice: initialisation, shuffles, noise and the validation
    /// split; for `sample`, the first face id (the page draws the same z for the same id).
    #[arg(long, global = true, default_value_t = 0)]
    pub seed: u64,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum DeviceArg {
    /// burn's pure-Rust flex backend on the CPU.
    Cpu,
    /// wgpu: Vulkan, Metal or DX12, whichever the machine offers.
    Wgpu,
    /// NVIDIA CUDA (build with `--features cuda`).
    Cuda,
}

/// A zoo model as a flag value: clap lists and checks the zoo's own names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelArg(pub Zoo);

const MODEL_ARGS: [ModelArg; Zoo::ALL.len()] = {
    let mut args = [ModelArg(Zoo::ALL[0]); Zoo::ALL.len()];
    let mut i = 0;
    while i < args.len() {
        args[i] = ModelArg(Zoo::ALL[i]);
        i += 1;
    }
    args
};

impl ValueEnum for ModelArg {
    fn value_variants<'a>() -> &'a [Self] {
        &MODEL_ARGS
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.0.name()))
    }
}

/// Which held-out images `eval` reads.
#[derive(Clone, Copy, ValueEnum)]
pub enum HeldOutArg {
    /// The validation split (official partition 1 where the data has partitions).
    Validation,
    /// The official test partition (CelebA with list_eval_partition.txt only).
    Test,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ScheduleArg {
    Constant,
    /// Half a cosine from --lr down to 0 over the whole run.
    Cosine,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum DecoderArg {
    Gaussian,
    Bernoulli,
}

/// Where data comes from and how validation images are held out.
#[derive(clap::Args, Clone)]
pub struct DataArgs {
    /// Dataset folder (IDX, CelebA, image folder) or Frey .raw file; default:
    /// $LATENTLAB_DATA/<the model's dataset> ($LATENTLAB_DATA defaults to ../shared/data).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Use the first N images of each split only (quick runs and tests).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Fraction held out for validation where the data has no official test split.
    #[arg(long, default_value_t = 0.1)]
    pub validation_fraction: f64,
}

#[derive(Subcommand)]
pub enum Command {
    /// Train a zoo model; the run folder gets an export, metrics, per-epoch grids and checkpoints.
    #[command(
        after_help = "Examples:\n  latentlab train --model mnist-vae --out runs/mnist-vae\n  latentlab train --model celeba-vae --epochs 10 --out runs/celeba --device wgpu\n  latentlab train --model celeba-vae --epochs 20 --out runs/celeba --resume"
    )]
    Train(TrainArgs),
    /// Held-out loss and pictures: reconstructions, latent scatter (z and Phi(z)), histograms, manifold; for RGB models (GANs too) the Fréchet and kernel distances of samples and reconstructions from real images.
    #[command(
        after_help = "Examples:\n  latentlab eval --weights runs/fashion-vae --out runs/fashion-vae/eval\n  latentlab eval --weights web/weights/celeba-gan --data ../shared/data/celeba64 --out runs/celeba-gan-eval"
    )]
    Eval(EvalArgs),
    /// Decode a grid of samples z ~ N(0, T^2 I) into a PNG.
    #[command(
        after_help = "Example:\n  latentlab sample --weights web/weights/celeba-vae --out faces.png --count 64 --columns 8"
    )]
    Sample(SampleArgs),
    /// Compute attribute vectors mean(z | attr) - mean(z | not attr) into the export's manifest.
    #[command(after_help = "Example:\n  latentlab attributes --weights runs/celeba-vae")]
    Attributes(AttributesArgs),
    /// Copy an export for the page, with encoded held-out points for its plots.
    #[command(
        after_help = "Example:\n  latentlab export --weights runs/fashion-vae --out web/weights/fashion-vae"
    )]
    Export(ExportArgs),
    /// Labelled images in 3-D: raw pixels (and an export's encoder) projected by PCA and t-SNE, with how well classes separate.
    #[command(
        after_help = "Examples:\n  latentlab project --data ../shared/data/cars-dogs --out runs/cars-dogs\n  latentlab project --data ../shared/data/fashion-mnist --weights web/weights/fashion-vae --out runs/fashion-projections\n  latentlab project --data ../shared/data/celeba64 --label Eyeglasses --size 32 --out runs/celeba-glasses"
    )]
    Project(ProjectArgs),
    /// Training images per second of each model on random data (a benchmark, not a test).
    #[command(
        after_help = "Example:\n  latentlab bench --device cpu\n  latentlab bench --models celeba-vae,mnist-vae --steps 20 --device wgpu"
    )]
    Bench(BenchArgs),
}

#[derive(clap::Args)]
pub struct TrainArgs {
    /// Zoo model (docs/models.md describes each).
    #[arg(long, value_enum)]
    pub model: ModelArg,
    #[command(flatten)]
    pub data: DataArgs,
    /// Total epochs (a resumed run continues up to this many); default per model.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Run folder (created if missing); default runs/<model>.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Images per optimiser step; default per model.
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Adam learning rate; default per model.
    #[arg(long)]
    pub lr: Option<f64>,
    /// Learning-rate schedule; default per model.
    #[arg(long, value_enum)]
    pub schedule: Option<ScheduleArg>,
    /// Continue the run in --out from its last checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// VAEs: ramp the KL term's weight linearly from 0 to 1 over this many epochs
    /// (step by step), then train on the model's own objective. Reported losses
    /// are always the full objective.
    #[arg(long, default_value_t = 0.0)]
    pub kl_warmup: f64,
    /// Also checkpoint within an epoch this often (e.g. 10m, 90s, 500ms; 0 or
    /// "epoch": at epoch ends only), so a kill loses at most this much training.
    #[arg(long, default_value = "10m", value_parser = parse_interval)]
    pub checkpoint_every: Interval,
    /// Latent dimensions of frey-vae (other models keep the seeds' sizes).
    #[arg(long)]
    pub latent_dim: Option<usize>,
    /// Decoder likelihood of frey-vae.
    #[arg(long, value_enum)]
    pub frey_decoder: Option<DecoderArg>,
    /// GANs: the distribution z is drawn from, per coordinate (default normal).
    #[arg(long, value_enum)]
    pub prior: Option<PriorArg>,
    /// GANs: side of the strided convolutions' kernels, 3 (default) or the DCGAN
    /// paper's 4, whose transposed convolutions draw no checkerboard.
    #[arg(long)]
    pub kernel: Option<usize>,
    /// GANs: export (and draw the epoch grids from) an exponential moving average of
    /// the generator's weights with this decay per step, e.g. 0.999; the live
    /// generator's export goes to <out>/live. Off by default.
    #[arg(long)]
    pub average_decay: Option<f64>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum PriorArg {
    /// U(-1, 1).
    Uniform,
    /// N(0, 1).
    Normal,
}

impl From<PriorArg> for latentlab_model::gan::Prior {
    fn from(prior: PriorArg) -> Self {
        match prior {
            PriorArg::Uniform => Self::Uniform,
            PriorArg::Normal => Self::Normal,
        }
    }
}

#[derive(clap::Args)]
pub struct EvalArgs {
    /// Export or run folder (manifest.json + model.safetensors).
    #[arg(long)]
    pub weights: PathBuf,
    #[command(flatten)]
    pub data: DataArgs,
    /// Folder for eval.json and the PNGs.
    #[arg(long)]
    pub out: PathBuf,
    /// Held-out images to measure on.
    #[arg(long, value_enum, default_value_t = HeldOutArg::Validation)]
    pub split: HeldOutArg,
    /// Images in each set for the Fréchet and kernel distances from real images
    /// (RGB models only; 0 skips them). They depend on this count: compare equal ones.
    #[arg(long, default_value_t = crate::fidelity::DEFAULT_IMAGES)]
    pub fidelity_images: usize,
    /// EfficientNet-Lite0's weights for those distances [default:
    /// $LATENTLAB_DATA/efficientnet-lite0/efficientnet_lite0_f16.safetensors]
    #[arg(long)]
    pub cnn: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct SampleArgs {
    #[arg(long)]
    pub weights: PathBuf,
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value_t = 16)]
    pub count: usize,
    #[arg(long, default_value_t = 4)]
    pub columns: usize,
    /// Scale of z (temperature).
    #[arg(long, default_value_t = 1.0)]
    pub temperature: f64,
    /// Draw z from this prior instead of the model's own (a GAN's, or N(0, I)): what
    /// the page's prior switch shows.
    #[arg(long, value_enum)]
    pub prior: Option<PriorArg>,
    /// Also write the latents and decoded values as JSON (for backend comparisons).
    #[arg(long)]
    pub raw: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct AttributesArgs {
    #[arg(long)]
    pub weights: PathBuf,
    #[command(flatten)]
    pub data: DataArgs,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    #[arg(long)]
    pub weights: PathBuf,
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub data: DataArgs,
    /// Encoded held-out images to ship (default 3000, or 500 above 3 latent dims; 0 for none).
    #[arg(long)]
    pub points: Option<usize>,
}

#[derive(clap::Args)]
pub struct ProjectArgs {
    /// Labelled images: class folders (car/, dog/), IDX (MNIST layouts) or CelebA.
    #[arg(long)]
    pub data: PathBuf,
    /// Folder for projections.json and the PNGs.
    #[arg(long)]
    pub out: PathBuf,
    /// Also project this export's posterior means (the images are read at its size).
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// Label CelebA images by this attribute (e.g. Male, Eyeglasses) instead of a class.
    #[arg(long)]
    pub label: Option<String>,
    /// EfficientNet-Lite0's weights (`efficientnet_lite0_f16.safetensors`, ImageNet-
    /// pretrained): also project its 1280-D features (the images are read at 224x224).
    #[arg(long)]
    pub cnn: Option<PathBuf>,
    /// Images to use (a seeded choice); t-SNE is exact, O(n^2) an iteration.
    #[arg(long, default_value_t = 1000)]
    pub limit: usize,
    /// Side the images are resized to for pixel features (without --weights).
    #[arg(long, default_value_t = 32)]
    pub size: usize,
    /// 2 or 3.
    #[arg(long, default_value_t = 3)]
    pub dims: usize,
    #[arg(long, default_value_t = 30.0)]
    pub perplexity: f64,
    #[arg(long, default_value_t = 1000)]
    pub iterations: usize,
    /// Only write the images' atlas (thumbnails.jpg) beside the projections.json
    /// already in --out, made earlier from the same data, --limit and --seed (no
    /// feature extraction, no t-SNE).
    #[arg(long)]
    pub thumbnails_only: bool,
}

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Comma-separated model names; default all.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub models: Vec<ModelArg>,
    #[arg(long, default_value_t = 10)]
    pub steps: usize,
    #[arg(long, default_value_t = 2)]
    pub warmup: usize,
    /// Time burn's own conv, BatchNorm and activation ops instead of latentlab's
    /// fused CPU blocks (what training ran on before them).
    #[arg(long)]
    pub reference_ops: bool,
}

/// A `--checkpoint-every` value; `None` checkpoints at epoch ends only.
#[derive(Clone, Copy, Debug)]
pub struct Interval(pub Option<std::time::Duration>);

pub fn parse_interval(text: &str) -> Result<Interval, String> {
    let text = text.trim();
    if text == "epoch" {
        return Ok(Interval(None));
    }
    let (number, unit) = match text.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let scale = match unit {
        "ms" => 1e-3,
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => {
            return Err(format!(
                "unknown unit {unit:?} in {text:?}: use ms, s, m or h, e.g. 10m"
            ));
        }
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a time such as 10m, 90s or 0.5s"))?;
    if !(value >= 0.0 && value.is_finite()) {
        return Err(format!("{text:?} must be 0 or more"));
    }
    Ok(Interval((value > 0.0).then(|| {
        std::time::Duration::from_secs_f64(value * scale)
    })))
}

#[cfg(test)]
mod tests {
    use super::{Cli, ModelArg, parse_interval};
    use clap::{CommandFactory, Parser};
    use latentlab_model::Zoo;
    use std::time::Duration;

    #[test]
    fn the_command_line_is_consistent_and_takes_every_zoo_name() {
        Cli::command().debug_assert();
        for model in Zoo::ALL {
            let cli = Cli::try_parse_from(["latentlab", "train", "--model", model.name()]).unwrap();
            match cli.command {
                super::Command::Train(args) => assert_eq!(args.model, ModelArg(model)),
                _ => panic!("not a train command"),
            }
        }
        assert!(Cli::try_parse_from(["latentlab", "train", "--model", "gpt-5"]).is_err());
        let bench = Cli::try_parse_from([
            "latentlab",
            "bench",
            "--models",
            "mlp-ae,celeba-vae",
            "--seed",
            "4",
        ])
        .unwrap();
        assert_eq!(bench.seed, 4);
        match bench.command {
            super::Command::Bench(args) => assert_eq!(
                args.models,
                vec![ModelArg(Zoo::MlpAe), ModelArg(Zoo::CelebaVae)]
            ),
            _ => panic!("not a bench command"),
        }
    }

    #[test]
    fn checkpoint_intervals_parse_with_units_and_reject_nonsense() {
        let secs = |t: &str| parse_interval(t).unwrap().0.map(|d| d.as_secs_f64());
        assert_eq!(secs("10m"), Some(600.0));
        assert_eq!(secs("90s"), Some(90.0));
        assert_eq!(secs("90"), Some(90.0));
        assert_eq!(secs("1h"), Some(3600.0));
        assert_eq!(
            parse_interval("1ms").unwrap().0.map(|d| d.as_micros()),
            Some(1000)
        );
        assert_eq!(parse_interval("0").unwrap().0, None);
        assert_eq!(parse_interval("epoch").unwrap().0, None);
        assert_eq!(
            parse_interval("0.5s").unwrap().0,
            Some(Duration::from_millis(500))
        );
        assert!(parse_interval("10 parsecs").is_err());
        assert!(parse_interval("-1m").is_err());
        assert!(parse_interval("soon").is_err());
    }
}
