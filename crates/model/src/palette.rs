//! Class colours shared by the CLI's plots and the page's scatter plots.
//!
//! Paul Tol's "muted" scheme: distinguishable under the common colour-vision
//! deficiencies, which a rainbow map is not. Ten colours for the ten classes of
//! MNIST and Fashion-MNIST; more classes cycle.

pub const CLASS_COLOURS: [[u8; 3]; 10] = [
    [0xCC, 0x66, 0x77], // rose
    [0x33, 0x22, 0x88], // indigo
    [0xDD, 0xCC, 0x77], // sand
    [0x11, 0x77, 0x33], // green
    [0x88, 0xCC, 0xEE], // cyan
    [0x88, 0x22, 0x55], // wine
    [0x44, 0xAA, 0x99], // teal
    [0x99, 0x99, 0x33], // olive
    [0xAA, 0x44, 0x99], // purple
    [0x55, 0x55, 0x55], // dark grey
];

/// The colour of class `label`.
pub fn class_colour(label: u32) -> [u8; 3] {
    CLASS_COLOURS[label as usize % CLASS_COLOURS.len()]
}

/// `#rrggbb` for CSS and legends.
pub fn hex(colour: [u8; 3]) -> String {
    format!("#{:02x}{:02x}{:02x}", colour[0], colour[1], colour[2])
}
