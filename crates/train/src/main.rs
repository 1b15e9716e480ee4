//! `latentlab`: train latentlab's models natively, evaluate them, and export them for
//! the web page. The commands live in the `latentlab_train` library.

use clap::Parser;
use latentlab_train::{cli::Cli, commands, process};

fn main() {
    process::prepare();
    let cli = Cli::parse();
    // SAFETY: nothing before this line starts a thread (`prepare` only tunes the
    // allocator and installs hooks), so no thread can read the environment meanwhile.
    unsafe { commands::pin_default_device(cli.device) };
    if let Err(error) = commands::run(cli) {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}
