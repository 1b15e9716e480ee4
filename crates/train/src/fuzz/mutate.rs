//! The mutations: 1-4 stacked per input, from bit flips to splices of another seed,
//! drawn from a seeded generator so every failure reruns identically.

use latentlab_model::latent::SeededRng;

/// Values that break size arithmetic and bounds checks.
const INTERESTING: [u64; 12] = [
    0,
    1,
    2,
    0x7f,
    0x80,
    0xff,
    0x7fff,
    0xffff,
    0x7fff_ffff,
    0xffff_ffff,
    1 << 40,
    u64::MAX,
];
const TOKENS: [&str; 16] = [
    "-1",
    "0",
    "1",
    "99999999999999999999",
    "1e309",
    "NaN",
    "\n",
    "\r\n",
    ",",
    " ",
    "\"",
    "{",
    "}",
    "[]",
    "null",
    "\u{feff}",
];

/// Numbers that text formats (JSON, attribute tables) must refuse or survive.
const NUMBERS: [&str; 10] = [
    "0",
    "-1",
    "3",
    "65",
    "4294967296",
    "1000000000000",
    "18446744073709551616",
    "1e12",
    "0.5",
    "-0",
];

/// `(start, end)` of every run of ASCII digits in `data`.
fn digit_runs(data: &[u8]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut start = None;
    for (i, b) in data.iter().enumerate() {
        match (b.is_ascii_digit(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                runs.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        runs.push((s, data.len()));
    }
    runs
}

pub struct Mutator {
    rng: SeededRng,
}

impl Mutator {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: SeededRng::new(seed),
        }
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.rng.next_u64() % n.max(1) as u64) as usize
    }

    /// `seed` with 1-4 stacked mutations; `other` is a second seed to splice from.
    pub fn mutate(&mut self, seed: &[u8], other: &[u8]) -> Vec<u8> {
        let mut data = seed.to_vec();
        for _ in 0..1 + self.below(4) {
            let len = data.len();
            match self.below(10) {
                0 if len > 0 => {
                    let i = self.below(len);
                    data[i] ^= 1 << self.below(8);
                }
                1 if len > 0 => {
                    let i = self.below(len);
                    data[i] = self.rng.next_u64() as u8;
                }
                2 if len > 0 => {
                    let value = INTERESTING[self.below(INTERESTING.len())];
                    let width = [1, 2, 4, 8][self.below(4)];
                    let bytes = if self.below(2) == 0 {
                        value.to_be_bytes()[8 - width..].to_vec()
                    } else {
                        value.to_le_bytes()[..width].to_vec()
                    };
                    let at = self.below(len);
                    for (k, b) in bytes.into_iter().enumerate() {
                        if let Some(slot) = data.get_mut(at + k) {
                            *slot = b;
                        }
                    }
                }
                3 => {
                    let at = self.below(len + 1);
                    let count = 1 + self.below(64);
                    let bytes: Vec<u8> = (0..count).map(|_| self.rng.next_u64() as u8).collect();
                    data.splice(at..at, bytes);
                }
                4 if len > 0 => {
                    let at = self.below(len);
                    let end = (at + 1 + self.below(64)).min(len);
                    data.drain(at..end);
                }
                5 if len > 0 => {
                    let at = self.below(len);
                    let end = (at + 1 + self.below(256)).min(len);
                    let copy = data[at..end].to_vec();
                    let to = self.below(len + 1);
                    data.splice(to..to, copy);
                }
                6 => data.truncate(self.below(len + 1)),
                7 if !other.is_empty() => {
                    let at = self.below(other.len());
                    let end = (at + 1 + self.below(512)).min(other.len());
                    let to = self.below(len + 1);
                    let cut = (to + self.below(512)).min(len);
                    data.splice(to..cut, other[at..end].iter().copied());
                }
                8 => {
                    // A number in a text format becomes one that breaks size arithmetic.
                    let runs: Vec<(usize, usize)> = digit_runs(&data);
                    if !runs.is_empty() {
                        let (at, end) = runs[self.below(runs.len())];
                        let number = NUMBERS[self.below(NUMBERS.len())].as_bytes();
                        data.splice(at..end, number.iter().copied());
                    }
                }
                _ => {
                    let token = TOKENS[self.below(TOKENS.len())].as_bytes();
                    let at = self.below(len + 1);
                    let cut = (at + self.below(8)).min(len);
                    data.splice(at..cut, token.iter().copied());
                }
            }
        }
        data
    }
}
