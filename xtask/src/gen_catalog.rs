//! `cargo xtask gen-catalog`: a seeded, deterministic generator of a realistic sample shop.
//!
//! Writes the format described in `catalog/README.md`: `shop.toml`, `categories.toml`,
//! `products/<slug>.toml`, one small SVG per product under `images/` and a few Markdown pages.
//! The same seed and product count always give byte-identical output. No dependencies: the PRNG
//! (SplitMix64) and the TOML string escaping are written out here.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;

// ---------------------------------------------------------------------------------------------
// Randomness
// ---------------------------------------------------------------------------------------------

/// SplitMix64: tiny, fast and good enough for sample data (also the analytics history's).
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((self.next() as u128 * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `p / 1000`.
    pub(crate) fn permille(&mut self, p: u32) -> bool {
        self.below(1000) < p as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// `k` distinct indices of `0..n` in random order.
    fn sample(&mut self, n: usize, k: usize) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..n).collect();
        let k = k.min(n);
        for i in 0..k {
            let j = i + self.below(n - i);
            idx.swap(i, j);
        }
        idx.truncate(k);
        idx
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

/// Palette: label, SKU code, RGB.
static PALETTE: &[(&str, &str, u32)] = &[
    ("Black", "BLK", 0x1f2326),
    ("White", "WHT", 0xf4f4f0),
    ("Silver", "SLV", 0xc2c6ca),
    ("Graphite", "GRP", 0x4a4f55),
    ("Charcoal", "CHR", 0x36393d),
    ("Navy", "NVY", 0x23395b),
    ("Forest", "FOR", 0x2f5d46),
    ("Olive", "OLV", 0x6b7140),
    ("Sand", "SND", 0xd8c3a0),
    ("Stone", "STN", 0x9d978c),
    ("Rust", "RST", 0xb5542f),
    ("Burgundy", "BUR", 0x7a2635),
    ("Sky", "SKY", 0x7fb2d9),
    ("Teal", "TEL", 0x2a7f7f),
    ("Mustard", "MUS", 0xd9a93a),
    ("Coral", "CRL", 0xe7735f),
    ("Heather Grey", "HGR", 0xa3a6a8),
    ("Cream", "CRM", 0xefe6d2),
    ("Sage", "SAG", 0x9caf88),
    ("Lilac", "LIL", 0xb7a6d1),
    ("Red", "RED", 0xc8312e),
    ("Blue", "BLU", 0x2f6db5),
    ("Orange", "ORG", 0xe8782a),
    ("Brass", "BRS", 0xb08d57),
    ("Copper", "COP", 0xb87333),
];

fn colour(label: &str) -> (&'static str, u32) {
    PALETTE.iter().find(|c| c.0 == label).map(|c| (c.1, c.2)).unwrap_or(("CLR", 0x808080))
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Shape {
    Headphones,
    Earbuds,
    Speaker,
    Watch,
    PowerBank,
    Drive,
    TShirt,
    Jacket,
    Hoodie,
    BaseLayer,
    Shoe,
    Boot,
    Tent,
    Backpack,
    SleepingBag,
    Pan,
    Bottle,
    Lamp,
}

enum Vals {
    /// Colours from the leaf's palette list.
    Colours,
    /// S/M/L/XL, sometimes with XS and/or XXL.
    ApparelSizes,
    /// Label and SKU code.
    List(&'static [(&'static str, &'static str)]),
}

struct Opt {
    name: &'static str,
    vals: Vals,
    /// Chance in percent that a product has this option.
    prob: u32,
    min: usize,
    max: usize,
    /// Take a run of neighbouring values (sizes, capacities) rather than a random subset.
    contiguous: bool,
    /// Price increase in percent per step along the chosen values.
    step: u64,
}

/// Title word, and the attribute it implies (empty name for none).
type Desc = (&'static str, &'static str, &'static str);
type Attr = (&'static str, &'static [&'static str]);

struct Leaf {
    slug: &'static str,
    name: &'static str,
    description: &'static str,
    weight: u32,
    brands: &'static [&'static str],
    models: &'static [&'static str],
    editions: &'static [&'static str],
    descriptors: &'static [Desc],
    nouns: &'static [&'static str],
    /// Base price range in whole euros.
    price: (usize, usize),
    colours: &'static [&'static str],
    opts: &'static [Opt],
    attrs: &'static [Attr],
    tags: &'static [&'static str],
    pitches: &'static [&'static str],
    uses: &'static [&'static str],
    features: &'static [&'static str],
    shape: Shape,
}

struct Top {
    slug: &'static str,
    name: &'static str,
    description: &'static str,
    closers: &'static [&'static str],
    leaves: &'static [Leaf],
}

const fn colour_opt(prob: u32, min: usize, max: usize) -> Opt {
    Opt { name: "Colour", vals: Vals::Colours, prob, min, max, contiguous: false, step: 0 }
}

const APPAREL_SIZE: Opt = Opt { name: "Size", vals: Vals::ApparelSizes, prob: 100, min: 4, max: 6, contiguous: true, step: 0 };

static EU_SIZES: &[(&str, &str)] = &[
    ("EU 36", "36"),
    ("EU 37", "37"),
    ("EU 38", "38"),
    ("EU 39", "39"),
    ("EU 40", "40"),
    ("EU 41", "41"),
    ("EU 42", "42"),
    ("EU 43", "43"),
    ("EU 44", "44"),
    ("EU 45", "45"),
    ("EU 46", "46"),
    ("EU 47", "47"),
];

const SHOE_SIZE: Opt = Opt { name: "Size", vals: Vals::List(EU_SIZES), prob: 100, min: 6, max: 9, contiguous: true, step: 0 };

static POWER_CAPACITY: &[(&str, &str)] = &[("5,000 mAh", "5K"), ("10,000 mAh", "10K"), ("20,000 mAh", "20K"), ("26,800 mAh", "27K")];
static CARD_CAPACITY: &[(&str, &str)] = &[("32GB", "32G"), ("64GB", "64G"), ("128GB", "128G"), ("256GB", "256G"), ("512GB", "512G")];
static TENT_SIZE: &[(&str, &str)] = &[("1-person", "1P"), ("2-person", "2P"), ("3-person", "3P"), ("4-person", "4P"), ("6-person", "6P")];
static PACK_VOLUME: &[(&str, &str)] = &[("18 L", "18L"), ("24 L", "24L"), ("30 L", "30L"), ("40 L", "40L"), ("55 L", "55L")];
static BAG_LENGTH: &[(&str, &str)] = &[("Regular", "REG"), ("Long", "LNG")];
static PAN_SIZE: &[(&str, &str)] = &[("20 cm", "20"), ("24 cm", "24"), ("26 cm", "26"), ("28 cm", "28"), ("30 cm", "30")];
static BOTTLE_CAPACITY: &[(&str, &str)] = &[("350 ml", "350"), ("500 ml", "500"), ("750 ml", "750"), ("1 L", "1000")];
static WATCH_SIZE: &[(&str, &str)] = &[("41 mm", "41"), ("45 mm", "45")];

static GENERIC_CLOSERS: &[&str] = &[
    "Orders placed before 2 pm ship the same working day.",
    "Shipping is free on orders over €50, and returns are free within 30 days.",
    "Not quite right? Send it back within 30 days for a full refund.",
    "Questions about sizing or specs? Our team answers every email within a working day.",
];

static APPAREL_FIT: Attr = ("Fit", &["Regular", "Relaxed", "Slim"]);
static APPAREL_CARE: Attr = ("Care", &["Machine wash 30 °C", "Machine wash cold, line dry", "Wash at 30 °C, do not tumble dry"]);
static APPAREL_ORIGIN: Attr = ("Origin", &["Made in Portugal", "Made in Portugal", "Made in Türkiye", "Made in Ireland", "Made in India"]);

static TOPS: &[Top] = &[
    Top {
        slug: "audio",
        name: "Audio",
        description: "Headphones, earbuds and speakers for music at home and on the move.",
        closers: &[
            "Every {brand} product is covered by a two-year warranty.",
            "In the box you'll find a USB-C cable, a soft carry pouch and a quick-start guide.",
            "Firmware updates arrive over the air through the free {brand} app.",
            "Tuned by the {brand} acoustic team and tested over hundreds of hours of listening.",
        ],
        leaves: &[
            Leaf {
                slug: "headphones",
                name: "Headphones",
                description: "Over-ear and on-ear headphones, wired and wireless.",
                weight: 6,
                brands: &["Sonique", "Auralis", "Vireo Audio", "Bassline"],
                models: &["Aurora", "Nocturne", "Meridian", "Halcyon", "Solstice", "Cadence", "Echo", "Tempo", "Lumen", "Atlas", "Vesper", "Orbit"],
                editions: &["II", "Pro", "Studio", "Lite", "2"],
                descriptors: &[
                    ("Wireless", "Connectivity", "Bluetooth 5.3"),
                    ("Noise-Cancelling", "Noise cancelling", "Hybrid active (ANC)"),
                    ("Studio", "Driver", "50 mm dynamic"),
                    ("Foldable", "", ""),
                    ("Wired", "Connectivity", "3.5 mm cable"),
                    ("Lightweight", "Weight", "210 g"),
                ],
                nouns: &["Over-Ear Headphones", "On-Ear Headphones", "Headphones"],
                price: (59, 399),
                colours: &["Black", "Silver", "Navy", "Sand", "White", "Graphite", "Sage"],
                opts: &[colour_opt(65, 2, 3)],
                attrs: &[
                    ("Battery life", &["20 h", "30 h", "40 h", "50 h", "60 h"]),
                    ("Driver", &["40 mm dynamic", "45 mm dynamic", "50 mm dynamic"]),
                    ("Weight", &["198 g", "240 g", "254 g", "285 g", "310 g"]),
                    ("Charging", &["USB-C", "USB-C, fast charge"]),
                    ("Codecs", &["SBC, AAC", "SBC, AAC, LDAC", "SBC, AAC, aptX Adaptive"]),
                ],
                tags: &["wireless", "bluetooth", "over-ear", "travel", "hi-res", "headphones", "commute"],
                pitches: &[
                    "Plush memory-foam cushions and a balanced tuning make long sessions easy.",
                    "Deep, controlled bass sits under clear mids and crisp, unfatiguing highs.",
                    "Adaptive noise cancelling quietens trains, planes and open-plan offices.",
                    "A clean, detailed sound that does justice to podcasts and symphonies alike.",
                ],
                uses: &["long flights", "the daily commute", "focused work", "late-night listening", "weekend travel"],
                features: &[
                    "Multipoint pairing with two devices at once",
                    "Fast charge: 10 minutes gives 5 hours of play",
                    "Soft protein-leather ear cushions",
                    "Fold-flat design with a hard-shell travel case",
                    "Companion app with a 5-band EQ",
                    "Beam-forming microphones for clear calls",
                    "Auto-pause when you lift an ear cup",
                    "Replaceable ear pads and headband cushion",
                ],
                shape: Shape::Headphones,
            },
            Leaf {
                slug: "earbuds",
                name: "Earbuds",
                description: "True wireless earbuds for training, calls and commuting.",
                weight: 5,
                brands: &["Sonique", "Auralis", "Bassline"],
                models: &["Pebble", "Drift", "Spark", "Ripple", "Nova", "Flicker", "Breeze", "Kite", "Comet", "Pulse"],
                editions: &["Pro", "II", "Sport", "Mini"],
                descriptors: &[
                    ("True Wireless", "Connectivity", "Bluetooth 5.3"),
                    ("Sport", "Water resistance", "IPX5"),
                    ("Noise-Cancelling", "Noise cancelling", "Active (ANC)"),
                    ("Open-Fit", "", ""),
                    ("Compact", "Weight", "4.5 g per bud"),
                ],
                nouns: &["Earbuds", "In-Ear Headphones", "Wireless Earphones"],
                price: (29, 249),
                colours: &["Black", "White", "Sky", "Coral", "Graphite", "Sage", "Lilac"],
                opts: &[colour_opt(60, 2, 4)],
                attrs: &[
                    ("Battery life", &["6 h + 18 h case", "8 h + 24 h case", "7 h + 28 h case", "10 h + 30 h case"]),
                    ("Water resistance", &["IPX4", "IPX5", "IP55", "IPX7"]),
                    ("Charging", &["USB-C", "USB-C and Qi wireless"]),
                    ("Weight", &["4.5 g per bud", "5.2 g per bud", "6.1 g per bud"]),
                ],
                tags: &["earbuds", "wireless", "sport", "compact", "bluetooth", "in-ear"],
                pitches: &[
                    "A secure, low-profile fit that stays put on runs and rides.",
                    "A pocket-sized case, big sound and a battery that lasts all week.",
                    "Tuned for punchy bass without muddying vocals.",
                    "Light enough to forget you're wearing them until the next track starts.",
                ],
                uses: &["morning runs", "gym sessions", "the commute", "calls on the go", "long walks"],
                features: &[
                    "Three sizes of silicone tips included",
                    "Touch controls for play, pause and volume",
                    "Wireless charging case",
                    "Sweat- and rain-resistant",
                    "Low-latency mode for video and games",
                    "Find-my-earbuds support in the app",
                    "Single-bud mode for calls",
                ],
                shape: Shape::Earbuds,
            },
            Leaf {
                slug: "speakers",
                name: "Speakers",
                description: "Portable and home speakers that fill a room, a garden or a campsite.",
                weight: 5,
                brands: &["Sonique", "Vireo Audio", "Bassline"],
                models: &["Ember", "Harbor", "Monolith", "Tidal", "Canyon", "Beacon", "Fjord", "Quarry", "Anchor", "Boulder"],
                editions: &["Mini", "Max", "2", "XL"],
                descriptors: &[
                    ("Portable", "Weight", "540 g"),
                    ("Waterproof", "Water resistance", "IP67"),
                    ("Bluetooth", "Connectivity", "Bluetooth 5.3"),
                    ("Smart", "Connectivity", "Wi-Fi and Bluetooth"),
                    ("Bookshelf", "Drivers", "2 x 4\" woofers, 1\" tweeter"),
                    ("Outdoor", "Water resistance", "IP66"),
                ],
                nouns: &["Speaker", "Wireless Speaker", "Sound Station"],
                price: (39, 449),
                colours: &["Black", "Stone", "Forest", "Rust", "Sky", "White", "Charcoal"],
                opts: &[colour_opt(55, 2, 3)],
                attrs: &[
                    ("Battery life", &["12 h", "16 h", "20 h", "24 h"]),
                    ("Output power", &["10 W", "20 W", "40 W", "60 W", "100 W"]),
                    ("Water resistance", &["IPX5", "IP66", "IP67"]),
                    ("Weight", &["540 g", "980 g", "1.4 kg", "2.9 kg"]),
                ],
                tags: &["speaker", "portable", "waterproof", "outdoor", "party", "bluetooth"],
                pitches: &[
                    "Room-filling sound from a speaker that fits in a daypack.",
                    "Drop it, dunk it, take it to the beach: it keeps on playing.",
                    "Pair two for true stereo, or link a dozen for a party.",
                    "Warm, full-range sound that stays clear even at high volume.",
                ],
                uses: &["beach days", "campsite evenings", "kitchen playlists", "garden parties", "lazy Sunday mornings"],
                features: &[
                    "Stereo pairing with a second speaker",
                    "Built-in power bank to top up your phone",
                    "Floats in water",
                    "Rugged fabric and rubber shell",
                    "Speakerphone with echo cancellation",
                    "Detachable carry strap",
                    "360-degree sound",
                ],
                shape: Shape::Speaker,
            },
        ],
    },
    Top {
        slug: "tech",
        name: "Tech",
        description: "Smartwatches, chargers and storage that keep your gear running.",
        closers: &[
            "Backed by a two-year {brand} warranty and friendly support from real people.",
            "Ships in plastic-free, recyclable packaging.",
            "Certified for safety and tested well beyond everyday use.",
            "Designed by {brand} to last for years, not just until the next model.",
        ],
        leaves: &[
            Leaf {
                slug: "smartwatches",
                name: "Smartwatches",
                description: "GPS and fitness watches for training, hiking and everyday tracking.",
                weight: 4,
                brands: &["Kestrel Labs", "Nimbus", "Kinetica"],
                models: &["Pace", "Vector", "Horizon", "Tundra", "Apex", "Stride", "Sable", "Glacier"],
                editions: &["2", "S", "Pro", "Solar"],
                descriptors: &[
                    ("GPS", "Satellite systems", "GPS, Galileo, GLONASS"),
                    ("Solar", "Battery life", "Up to 21 days"),
                    ("Fitness", "Sensors", "Heart rate, SpO2, skin temperature"),
                    ("Hybrid", "", ""),
                    ("Multisport", "Water resistance", "10 ATM"),
                ],
                nouns: &["Smartwatch", "Sports Watch", "Fitness Watch"],
                price: (99, 499),
                colours: &["Black", "Silver", "Navy", "Sand", "Forest", "Coral", "Graphite"],
                opts: &[
                    Opt { name: "Size", vals: Vals::List(WATCH_SIZE), prob: 40, min: 2, max: 2, contiguous: true, step: 8 },
                    colour_opt(60, 2, 3),
                ],
                attrs: &[
                    ("Battery life", &["Up to 7 days", "Up to 14 days", "Up to 21 days"]),
                    ("Display", &["1.2\" AMOLED", "1.4\" AMOLED", "1.3\" MIP"]),
                    ("Water resistance", &["5 ATM", "10 ATM"]),
                    ("Sensors", &["Heart rate, SpO2", "Heart rate, SpO2, barometer", "Heart rate, compass, barometer"]),
                    ("Case material", &["Aluminium", "Stainless steel", "Titanium", "Fibre-reinforced polymer"]),
                ],
                tags: &["smartwatch", "gps", "fitness", "running", "sleep-tracking", "outdoor"],
                pitches: &[
                    "Accurate dual-band GPS and a week of battery life between charges.",
                    "Tracks runs, rides, swims and sleep without getting in the way.",
                    "A bright, glanceable display that's easy to read in full sun.",
                    "Training readiness and recovery advice, right on your wrist.",
                ],
                uses: &["marathon training", "mountain days", "the school run", "open-water swims", "everyday tracking"],
                features: &[
                    "Breadcrumb navigation with route import",
                    "Contactless payments",
                    "Quick-release silicone strap",
                    "Sleep and recovery insights",
                    "Smartphone notifications and music controls",
                    "Over 40 built-in sport profiles",
                    "Sapphire-coated lens",
                ],
                shape: Shape::Watch,
            },
            Leaf {
                slug: "power-banks",
                name: "Power Banks",
                description: "Portable batteries to charge phones, cameras and laptops anywhere.",
                weight: 4,
                brands: &["Joulebox", "Kinetica", "Nimbus"],
                models: &["Volt", "Surge", "Reserve", "Flux", "Dynamo", "Current", "Relay", "Ampere"],
                editions: &["Mini", "Max", "Slim"],
                descriptors: &[
                    ("Fast-Charge", "Output", "65 W USB-C PD"),
                    ("Solar", "Charging", "USB-C or built-in solar panel"),
                    ("Rugged", "Water resistance", "IP67"),
                    ("Slim", "Weight", "180 g"),
                    ("Magnetic", "Charging", "15 W magnetic wireless"),
                ],
                nouns: &["Power Bank", "Portable Charger", "Battery Pack"],
                price: (19, 129),
                colours: &["Black", "White", "Orange", "Graphite", "Sky", "Olive"],
                opts: &[
                    Opt { name: "Capacity", vals: Vals::List(POWER_CAPACITY), prob: 60, min: 2, max: 3, contiguous: true, step: 30 },
                    colour_opt(25, 2, 3),
                ],
                attrs: &[
                    ("Capacity", &["5,000 mAh", "10,000 mAh", "20,000 mAh", "26,800 mAh"]),
                    ("Output", &["20 W USB-C PD", "30 W USB-C PD", "65 W USB-C PD", "100 W USB-C PD"]),
                    ("Ports", &["1 x USB-C, 1 x USB-A", "2 x USB-C, 1 x USB-A", "2 x USB-C"]),
                    ("Weight", &["180 g", "240 g", "360 g", "490 g"]),
                ],
                tags: &["charging", "usb-c", "travel", "power-bank", "camping", "phone"],
                pitches: &[
                    "Enough power for several full phone charges, in a case that slips into a pocket.",
                    "Charges a laptop, a phone and earbuds at the same time.",
                    "A clear charge display means no guessing how much is left.",
                    "Recharges itself in under three hours from a USB-C charger.",
                ],
                uses: &["festival weekends", "long-haul travel", "multi-day hikes", "busy workdays", "power cuts"],
                features: &[
                    "Pass-through charging",
                    "Digital charge indicator",
                    "Low-current mode for earbuds and watches",
                    "Airline cabin approved",
                    "Short USB-C cable included",
                    "Aluminium unibody",
                    "Overheat and short-circuit protection",
                ],
                shape: Shape::PowerBank,
            },
            Leaf {
                slug: "storage",
                name: "Storage",
                description: "Memory cards and flash drives for cameras, drones and phones.",
                weight: 3,
                brands: &["Kestrel Labs", "Joulebox", "Nimbus"],
                models: &["Vault", "Cache", "Archive", "Ledger", "Keystone", "Cellar", "Silo", "Depot"],
                editions: &["Pro", "Plus", "Go"],
                descriptors: &[
                    ("High-Speed", "Read speed", "170 MB/s"),
                    ("Rugged", "Durability", "Waterproof, shockproof, X-ray proof"),
                    ("Ultra", "Speed class", "U3, V30, A2"),
                    ("Compact", "", ""),
                    ("Endurance", "Rated for", "Continuous 4K recording"),
                ],
                nouns: &["microSD Card", "SD Card", "USB-C Flash Drive"],
                price: (14, 129),
                colours: &["Black", "Red", "Blue", "Silver", "Graphite"],
                opts: &[Opt { name: "Capacity", vals: Vals::List(CARD_CAPACITY), prob: 85, min: 2, max: 4, contiguous: true, step: 45 }],
                attrs: &[
                    ("Capacity", &["32GB", "64GB", "128GB", "256GB", "512GB"]),
                    ("Read speed", &["100 MB/s", "160 MB/s", "170 MB/s", "200 MB/s"]),
                    ("Write speed", &["60 MB/s", "90 MB/s", "130 MB/s"]),
                    ("Warranty", &["5 years", "10 years", "Limited lifetime"]),
                ],
                tags: &["storage", "memory", "camera", "drone", "4k", "backup"],
                pitches: &[
                    "Fast enough for 4K video and long bursts of RAW photos.",
                    "Built to survive drops, dunks and airport scanners.",
                    "Reliable storage you can trust with the shots you can't retake.",
                ],
                uses: &["action cameras", "drone flights", "travel photography", "dashcams", "phone backups"],
                features: &[
                    "Free data-recovery software",
                    "Includes an SD adapter",
                    "Temperature-proof from -25 °C to 85 °C",
                    "Tested for 10,000 insertions",
                    "Works with cameras, drones, phones and laptops",
                ],
                shape: Shape::Drive,
            },
        ],
    },
    Top {
        slug: "apparel",
        name: "Apparel",
        description: "Everyday clothing and technical layers made to be worn for years.",
        closers: &[
            "Cut and sewn in small batches by {brand}'s long-standing partner factories.",
            "Wash cool, dry flat, and it will look good for years.",
            "Fabric certified to OEKO-TEX Standard 100.",
            "Designed by {brand} to be layered, repaired and worn for many seasons.",
        ],
        leaves: &[
            Leaf {
                slug: "t-shirts",
                name: "T-Shirts",
                description: "Soft, hard-wearing tees in organic cotton, linen and merino.",
                weight: 8,
                brands: &["Northwind", "Harbour & Pine", "Loom & Lark", "Cairn Threads"],
                models: &["Trailblazer", "Harbour", "Coastline", "Everyday", "Wayfarer", "Meadow", "Drifter", "Foxglove", "Kinsale", "Beacon"],
                editions: &[],
                descriptors: &[
                    ("Merino", "Material", "Merino wool"),
                    ("Organic Cotton", "Material", "100% organic cotton"),
                    ("Linen", "Material", "Linen-cotton blend"),
                    ("Performance", "Material", "Recycled polyester"),
                    ("Heavyweight", "Fabric weight", "240 g/m²"),
                    ("Slub", "Material", "Slub cotton"),
                ],
                nouns: &["Crew T-Shirt", "V-Neck T-Shirt", "Pocket Tee", "Graphic Tee"],
                price: (14, 49),
                colours: &["White", "Black", "Navy", "Heather Grey", "Olive", "Rust", "Sky", "Sand", "Forest", "Mustard"],
                opts: &[APPAREL_SIZE, colour_opt(75, 2, 4)],
                attrs: &[APPAREL_FIT, ("Fabric weight", &["160 g/m²", "180 g/m²", "200 g/m²", "240 g/m²"]), APPAREL_CARE, APPAREL_ORIGIN],
                tags: &["t-shirt", "tee", "basics", "summer", "layering", "cotton"],
                pitches: &[
                    "A clean, modern cut that looks just as good under a jacket as on its own.",
                    "Pre-washed for softness, so it fits the same after the hundredth wash as the first.",
                    "Breathable and quick to dry, it's the tee you'll reach for first.",
                    "Reinforced seams and a taped neckline keep its shape for years.",
                ],
                uses: &["warm weekends", "travel days", "everyday wear", "long walks", "layering under a shirt"],
                features: &[
                    "Taped shoulder seams",
                    "Ribbed crew neck that keeps its shape",
                    "Garment-dyed for a lived-in colour",
                    "Side-seamed for a better drape",
                    "Naturally odour-resistant",
                    "Slightly longer back hem",
                ],
                shape: Shape::TShirt,
            },
            Leaf {
                slug: "jackets",
                name: "Jackets",
                description: "Rain shells, insulated jackets and field coats for changeable weather.",
                weight: 6,
                brands: &["Northwind", "Cairn Threads", "Harbour & Pine"],
                models: &["Storm", "Ridge", "Squall", "Glen", "Cirrus", "Tarn", "Moraine", "Gale", "Harrier", "Corrie"],
                editions: &[],
                descriptors: &[
                    ("Waterproof", "Waterproof rating", "20,000 mm"),
                    ("Insulated", "Insulation", "Recycled synthetic fill"),
                    ("Down", "Insulation", "700-fill responsibly sourced down"),
                    ("Softshell", "Material", "Stretch softshell"),
                    ("Packable", "Weight", "290 g"),
                    ("Waxed Cotton", "Material", "Waxed organic cotton"),
                ],
                nouns: &["Rain Jacket", "Shell Jacket", "Puffer Jacket", "Field Jacket"],
                price: (79, 399),
                colours: &["Black", "Navy", "Forest", "Rust", "Olive", "Mustard", "Charcoal", "Sky"],
                opts: &[APPAREL_SIZE, colour_opt(65, 2, 3)],
                attrs: &[
                    ("Fit", &["Regular", "Relaxed", "Athletic"]),
                    ("Hood", &["Adjustable, helmet-compatible", "Stowable", "Fixed, with wired peak"]),
                    ("Pockets", &["2 hand, 1 chest", "2 hand, 1 internal", "3 zipped"]),
                    ("Weight", &["290 g", "410 g", "560 g", "780 g"]),
                ],
                tags: &["jacket", "rain", "outerwear", "hiking", "winter", "travel"],
                pitches: &[
                    "Keeps the weather out without turning into a sauna on the climb.",
                    "Warm when you stop, breathable when you move.",
                    "Packs into its own pocket and weighs next to nothing in your bag.",
                    "A clean, understated design that works on the hill and in town.",
                ],
                uses: &["Atlantic squalls", "city commutes", "winter hillwalks", "autumn weekends", "ferry crossings"],
                features: &[
                    "Two-way front zip with storm flap",
                    "Pit zips for quick venting",
                    "Adjustable cuffs and hem",
                    "Fleece-lined hand pockets",
                    "Packs into its own chest pocket",
                    "PFC-free water-repellent finish",
                    "Reflective details for low light",
                ],
                shape: Shape::Jacket,
            },
            Leaf {
                slug: "hoodies",
                name: "Hoodies & Sweatshirts",
                description: "Hoodies and sweatshirts in brushed fleece and organic French terry.",
                weight: 5,
                brands: &["Northwind", "Loom & Lark", "Harbour & Pine"],
                models: &["Harbour", "Sunday", "Campfire", "Bothy", "Drumlin", "Lough", "Sandbar", "Heath"],
                editions: &[],
                descriptors: &[
                    ("Fleece-Lined", "Material", "Brushed-back fleece"),
                    ("Organic Cotton", "Material", "Organic cotton French terry"),
                    ("Brushed", "Finish", "Brushed inside"),
                    ("Heavyweight", "Fabric weight", "400 g/m²"),
                    ("Recycled", "Material", "Recycled cotton-poly blend"),
                ],
                nouns: &["Hoodie", "Pullover Hoodie", "Zip Hoodie", "Crew Sweatshirt"],
                price: (39, 119),
                colours: &["Heather Grey", "Navy", "Black", "Forest", "Sand", "Burgundy", "Sage", "Cream"],
                opts: &[APPAREL_SIZE, colour_opt(70, 2, 4)],
                attrs: &[APPAREL_FIT, ("Fabric weight", &["300 g/m²", "340 g/m²", "400 g/m²"]), APPAREL_CARE, APPAREL_ORIGIN],
                tags: &["hoodie", "sweatshirt", "loungewear", "layering", "cosy", "autumn"],
                pitches: &[
                    "Heavy enough to feel substantial, soft enough to live in all weekend.",
                    "A roomy hood, deep pockets and cuffs that stay where you push them.",
                    "The sort of sweatshirt that gets better, and softer, every time you wash it.",
                ],
                uses: &["slow Sundays", "chilly evenings", "post-run stretching", "working from home", "campfire nights"],
                features: &[
                    "Double-layer hood",
                    "Kangaroo pocket",
                    "Ribbed cuffs and hem",
                    "Flatlock seams that won't rub",
                    "Pre-shrunk",
                    "Metal-free drawcord tips",
                ],
                shape: Shape::Hoodie,
            },
            Leaf {
                slug: "base-layers",
                name: "Base Layers",
                description: "Merino and synthetic base layers that keep you warm and dry.",
                weight: 4,
                brands: &["Northwind", "Cairn Threads"],
                models: &["Summit", "Tundra", "Frost", "Cinder", "Boreal", "Kestrel", "Lark", "Ptarmigan"],
                editions: &[],
                descriptors: &[
                    ("Merino", "Material", "Merino wool"),
                    ("Merino-Blend", "Material", "Merino-Tencel blend"),
                    ("Thermal", "Material", "Grid-fleece polyester"),
                    ("Seamless", "", ""),
                    ("Lightweight", "Fabric weight", "150 g/m²"),
                    ("Midweight", "Fabric weight", "250 g/m²"),
                ],
                nouns: &["Long-Sleeve Base Layer", "Base Layer Leggings", "Quarter-Zip Top", "Base Layer Tee"],
                price: (29, 109),
                colours: &["Black", "Charcoal", "Navy", "Forest", "Rust", "Lilac", "Teal"],
                opts: &[APPAREL_SIZE, colour_opt(55, 2, 3)],
                attrs: &[
                    ("Fit", &["Slim", "Regular", "Next-to-skin"]),
                    ("Fabric weight", &["150 g/m²", "200 g/m²", "250 g/m²"]),
                    ("Odour control", &["Natural (merino)", "Silver-ion treatment"]),
                    APPAREL_CARE,
                ],
                tags: &["base-layer", "merino", "thermal", "skiing", "hiking", "winter"],
                pitches: &[
                    "Wicks sweat on the way up and stays warm when you stop at the top.",
                    "Soft against the skin, with no itch and no clammy feeling.",
                    "Wear it for days on end: merino fights odour naturally.",
                ],
                uses: &["ski touring", "winter running", "multi-day treks", "cold commutes", "frosty mornings"],
                features: &[
                    "Flatlock seams throughout",
                    "Thumb loops on the cuffs",
                    "Offset shoulder seams for pack comfort",
                    "Longer back for coverage",
                    "Naturally odour-resistant",
                    "Gusseted underarms",
                ],
                shape: Shape::BaseLayer,
            },
        ],
    },
    Top {
        slug: "footwear",
        name: "Footwear",
        description: "Running shoes, hiking boots and everyday trainers.",
        closers: &[
            "Every pair is wear-tested by the {brand} team over hundreds of kilometres.",
            "Not sure about the size? Exchanges are free within 30 days.",
            "The removable insole makes room for custom orthotics.",
            "Fits true to size; if you're between sizes, go one size up.",
        ],
        leaves: &[
            Leaf {
                slug: "running",
                name: "Running",
                description: "Road and trail running shoes for easy miles and race days.",
                weight: 6,
                brands: &["Stridewell", "Paceline", "Fernstep"],
                models: &["Tempo", "Velocity", "Glide", "Swift", "Cadence", "Zephyr", "Sprint", "Rally", "Arc", "Dash"],
                editions: &["2", "3", "4", "Elite"],
                descriptors: &[
                    ("Road", "Drop", "8 mm"),
                    ("Trail", "Outsole", "Multi-directional 4 mm lugs"),
                    ("Cushioned", "Midsole", "Supercritical foam"),
                    ("Carbon-Plated", "Plate", "Full-length carbon"),
                    ("Lightweight", "Weight", "220 g (EU 42)"),
                    ("Stability", "Support", "Medial guide rails"),
                ],
                nouns: &["Running Shoes", "Trainers", "Racing Shoes"],
                price: (79, 229),
                colours: &["Black", "White", "Coral", "Sky", "Orange", "Navy", "Lilac", "Graphite", "Sage"],
                opts: &[SHOE_SIZE, colour_opt(55, 2, 3)],
                attrs: &[
                    ("Drop", &["4 mm", "6 mm", "8 mm", "10 mm"]),
                    ("Weight", &["220 g (EU 42)", "248 g (EU 42)", "276 g (EU 42)", "302 g (EU 42)"]),
                    ("Upper", &["Engineered mesh", "Recycled knit", "Jacquard mesh"]),
                    ("Midsole", &["EVA foam", "Supercritical foam", "Dual-density foam"]),
                ],
                tags: &["running", "road", "trail", "trainers", "marathon", "cushioned"],
                pitches: &[
                    "A springy, forgiving ride that makes easy days feel easier.",
                    "Locked-in heel, roomy toe box and a midsole that doesn't quit at 30 km.",
                    "Grippy on wet tarmac and stable on tired legs.",
                    "Light and fast without sacrificing comfort over long distances.",
                ],
                uses: &["easy miles", "tempo runs", "race day", "muddy trail loops", "parkrun PBs"],
                features: &[
                    "Gusseted tongue to keep out grit",
                    "Reflective heel tab",
                    "Durable rubber in high-wear zones",
                    "Breathable engineered upper",
                    "Removable moulded insole",
                    "Padded heel collar",
                ],
                shape: Shape::Shoe,
            },
            Leaf {
                slug: "hiking",
                name: "Hiking",
                description: "Waterproof hiking boots and walking shoes for hill and trail.",
                weight: 5,
                brands: &["Granite Peak", "Fernstep", "Stridewell"],
                models: &["Cairn", "Scree", "Tor", "Bothy", "Wicklow", "Burren", "Munro", "Moraine", "Ridgeway"],
                editions: &["2", "Mid"],
                descriptors: &[
                    ("Waterproof", "Lining", "Waterproof breathable membrane"),
                    ("Leather", "Upper", "Full-grain leather"),
                    ("All-Terrain", "Outsole", "Lugged rubber, 5 mm"),
                    ("Approach", "Outsole", "Sticky rubber climbing zone"),
                    ("Lightweight", "Weight", "410 g (EU 42)"),
                ],
                nouns: &["Hiking Boots", "Walking Shoes", "Hiking Shoes"],
                price: (99, 289),
                colours: &["Stone", "Olive", "Rust", "Charcoal", "Sand", "Forest", "Black"],
                opts: &[SHOE_SIZE, colour_opt(45, 2, 3)],
                attrs: &[
                    ("Upper", &["Suede and mesh", "Full-grain leather", "Recycled nylon"]),
                    ("Outsole", &["Lugged rubber, 5 mm", "Lugged rubber, 4 mm"]),
                    ("Weight", &["410 g (EU 42)", "520 g (EU 42)", "640 g (EU 42)"]),
                    ("Lining", &["Waterproof breathable membrane", "Leather", "Mesh"]),
                ],
                tags: &["hiking", "boots", "waterproof", "walking", "trail", "outdoor"],
                pitches: &[
                    "Supportive enough for rocky descents, comfortable straight out of the box.",
                    "Dry feet through bog, stream and all-day drizzle.",
                    "Sure-footed grip on wet rock and loose gravel alike.",
                ],
                uses: &["the Wicklow Way", "boggy hillwalks", "alpine huts", "long-distance trails", "weekend rambles"],
                features: &[
                    "Rubber toe cap",
                    "Lace hooks for a precise fit",
                    "Cushioned, shock-absorbing midsole",
                    "Padded collar and tongue",
                    "Heel pull loop",
                    "Resoleable construction",
                ],
                shape: Shape::Boot,
            },
            Leaf {
                slug: "casual",
                name: "Casual",
                description: "Sneakers and everyday shoes for the city and the weekend.",
                weight: 5,
                brands: &["Fernstep", "Paceline", "Stridewell"],
                models: &["Harbour", "Quay", "Mews", "Lane", "Terrace", "Promenade", "Parkside", "Arcade"],
                editions: &[],
                descriptors: &[
                    ("Canvas", "Upper", "Organic cotton canvas"),
                    ("Suede", "Upper", "Suede"),
                    ("Leather", "Upper", "Full-grain leather"),
                    ("Knit", "Upper", "Recycled knit"),
                    ("Slip-On", "Closure", "Elastic gore"),
                ],
                nouns: &["Sneakers", "Trainers", "Court Shoes", "Loafers"],
                price: (59, 159),
                colours: &["White", "Black", "Navy", "Sand", "Burgundy", "Sage", "Cream"],
                opts: &[SHOE_SIZE, colour_opt(60, 2, 4)],
                attrs: &[
                    ("Upper", &["Full-grain leather", "Suede", "Organic cotton canvas"]),
                    ("Sole", &["Vulcanised rubber", "Cupsole rubber", "Natural crepe"]),
                    ("Lining", &["Cotton", "Leather", "Recycled mesh"]),
                    ("Weight", &["320 g (EU 42)", "380 g (EU 42)", "430 g (EU 42)"]),
                ],
                tags: &["sneakers", "casual", "everyday", "leather", "minimal", "city"],
                pitches: &[
                    "Clean lines and a cushioned footbed for days that start early and end late.",
                    "Goes with jeans, chinos and everything in between.",
                    "Stitched, not just glued, so they can be resoled and worn for years.",
                ],
                uses: &["city walks", "the office", "weekend errands", "long lunches", "travel days"],
                features: &[
                    "Stitched cupsole",
                    "Cushioned cork-latex footbed",
                    "Waxed cotton laces",
                    "Padded collar",
                    "Leather heel counter",
                    "Natural rubber outsole",
                ],
                shape: Shape::Shoe,
            },
        ],
    },
    Top {
        slug: "outdoor",
        name: "Outdoor",
        description: "Tents, packs and sleeping bags for nights out under the stars.",
        closers: &[
            "Field-tested by {brand} on the west coast of Ireland, in the Alps and everywhere in between.",
            "Covered by a lifetime repair service: if it breaks, {brand} will fix it at cost.",
            "Made with bluesign-approved fabrics and PFC-free water repellency.",
            "A stuff sack and a repair patch are included.",
        ],
        leaves: &[
            Leaf {
                slug: "tents",
                name: "Tents",
                description: "Backpacking and camping tents from solo shelters to family domes.",
                weight: 4,
                brands: &["Ridgeline", "Alpenglow", "Summit & Co"],
                models: &["Skylark", "Nomad", "Lookout", "Hollow", "Meadow", "Corrie", "Glen", "Pinnacle", "Burrow"],
                editions: &["2", "UL", "XL"],
                descriptors: &[
                    ("Ultralight", "Weight", "1.2 kg"),
                    ("Backpacking", "Weight", "1.9 kg"),
                    ("Four-Season", "Seasons", "4-season"),
                    ("Tunnel", "Design", "Tunnel"),
                    ("Dome", "Design", "Freestanding dome"),
                    ("Family", "", ""),
                ],
                nouns: &["Tent", "Backpacking Tent", "Camping Tent"],
                price: (99, 699),
                colours: &["Forest", "Olive", "Orange", "Sand", "Sky", "Mustard"],
                opts: &[Opt { name: "Size", vals: Vals::List(TENT_SIZE), prob: 75, min: 2, max: 3, contiguous: true, step: 25 }],
                attrs: &[
                    ("Seasons", &["3-season", "3-season+", "4-season"]),
                    ("Hydrostatic head", &["3,000 mm", "4,000 mm", "5,000 mm"]),
                    ("Weight", &["1.2 kg", "1.9 kg", "2.6 kg", "4.8 kg"]),
                    ("Packed size", &["40 x 15 cm", "48 x 18 cm", "60 x 25 cm"]),
                    ("Design", &["Freestanding dome", "Semi-geodesic", "Tunnel"]),
                ],
                tags: &["tent", "camping", "backpacking", "wild-camping", "festival", "outdoor"],
                pitches: &[
                    "Pitches in minutes, outer first, so the inner stays dry in a downpour.",
                    "Steep walls and two porches mean room to sit up and space for wet gear.",
                    "Stable in crosswinds thanks to colour-coded poles and plenty of guy points.",
                    "Light enough to carry for days, roomy enough to wait out a storm.",
                ],
                uses: &["wild camping", "festival weekends", "coast-to-coast treks", "family campsites", "bikepacking trips"],
                features: &[
                    "Colour-coded poles and clips",
                    "Two doors and two porches",
                    "Mesh panels to cut condensation",
                    "Taped seams throughout",
                    "Lightweight aluminium pegs included",
                    "Internal storage pockets and a lantern hook",
                    "Pitches inner and outer together",
                ],
                shape: Shape::Tent,
            },
            Leaf {
                slug: "backpacks",
                name: "Backpacks",
                description: "Daypacks, travel packs and trekking rucksacks.",
                weight: 5,
                brands: &["Ridgeline", "Wayfarer", "Northwind"],
                models: &["Trek", "Ranger", "Scout", "Traverse", "Rambler", "Drifter", "Packhorse", "Pathfinder"],
                editions: &["II", "Lite"],
                descriptors: &[
                    ("Hiking", "Back system", "Ventilated mesh"),
                    ("Roll-Top", "Closure", "Roll-top"),
                    ("Travel", "Laptop sleeve", "Up to 16\""),
                    ("Everyday", "", ""),
                    ("Waterproof", "Material", "Recycled TPU-coated nylon"),
                    ("Lightweight", "Weight", "780 g"),
                ],
                nouns: &["Backpack", "Rucksack"],
                price: (39, 249),
                colours: &["Black", "Olive", "Navy", "Rust", "Sand", "Teal", "Charcoal"],
                opts: &[
                    Opt { name: "Volume", vals: Vals::List(PACK_VOLUME), prob: 50, min: 2, max: 3, contiguous: true, step: 15 },
                    colour_opt(45, 2, 3),
                ],
                attrs: &[
                    ("Volume", &["18 L", "24 L", "30 L", "40 L", "55 L"]),
                    ("Material", &["Recycled nylon ripstop", "Waxed canvas", "Recycled polyester"]),
                    ("Weight", &["780 g", "950 g", "1.2 kg", "1.6 kg"]),
                    ("Laptop sleeve", &["Up to 15\"", "Up to 16\"", "None"]),
                ],
                tags: &["backpack", "travel", "hiking", "commute", "daypack", "carry-on"],
                pitches: &[
                    "Carries comfortably all day, with the weight sitting close to your back.",
                    "Organised without being fussy: everything has a place and is easy to reach.",
                    "Cabin-size and clamshell-opening, so packing feels like a suitcase.",
                    "Tough, weatherproof fabric that shrugs off rain and rough handling.",
                ],
                uses: &["day hikes", "city commutes", "weekend trips", "carry-on travel", "hut-to-hut treks"],
                features: &[
                    "Padded, adjustable hip belt",
                    "Side bottle pockets",
                    "Integrated rain cover",
                    "Lockable zips",
                    "Hydration sleeve",
                    "Quick-access top pocket",
                    "Load lifters and sternum strap",
                ],
                shape: Shape::Backpack,
            },
            Leaf {
                slug: "sleeping-bags",
                name: "Sleeping Bags",
                description: "Down and synthetic sleeping bags and quilts for every season.",
                weight: 3,
                brands: &["Alpenglow", "Summit & Co"],
                models: &["Slumber", "Nightjar", "Dormouse", "Cocoon", "Starlight", "Solace", "Hibernia", "Dusk"],
                editions: &["Lite", "Pro"],
                descriptors: &[
                    ("Down", "Fill", "650-fill responsibly sourced duck down"),
                    ("Synthetic", "Fill", "Recycled synthetic"),
                    ("Three-Season", "Comfort temperature", "-2 °C"),
                    ("Summer", "Comfort temperature", "+8 °C"),
                    ("Mummy", "Shape", "Mummy"),
                    ("Ultralight", "Weight", "620 g"),
                ],
                nouns: &["Sleeping Bag", "Sleeping Quilt"],
                price: (49, 349),
                colours: &["Navy", "Forest", "Orange", "Teal", "Rust", "Graphite"],
                opts: &[
                    Opt { name: "Length", vals: Vals::List(BAG_LENGTH), prob: 55, min: 2, max: 2, contiguous: true, step: 6 },
                    colour_opt(20, 2, 2),
                ],
                attrs: &[
                    ("Comfort temperature", &["+8 °C", "+2 °C", "-2 °C", "-7 °C"]),
                    ("Fill", &["650-fill duck down", "800-fill goose down", "Recycled synthetic"]),
                    ("Weight", &["620 g", "890 g", "1.1 kg", "1.5 kg"]),
                    ("Packed size", &["18 x 30 cm", "22 x 38 cm", "25 x 45 cm"]),
                    ("Shape", &["Mummy", "Tapered rectangle", "Rectangle"]),
                ],
                tags: &["sleeping-bag", "camping", "backpacking", "down", "winter", "ultralight"],
                pitches: &[
                    "Lofty, warm and packs down smaller than a loaf of bread.",
                    "A roomy cut lets you sleep on your side without fighting the bag.",
                    "Stays warm even when the tent gets damp, thanks to water-resistant fill.",
                ],
                uses: &["summer bivvies", "shoulder-season trips", "frosty campsites", "hut stays", "van life"],
                features: &[
                    "Anti-snag two-way zip",
                    "Insulated draught collar",
                    "Contoured hood with drawcord",
                    "Compression stuff sack and storage sack included",
                    "Internal stash pocket",
                    "Zips together with a second bag",
                ],
                shape: Shape::SleepingBag,
            },
        ],
    },
    Top {
        slug: "home",
        name: "Home",
        description: "Cookware, drinkware and lighting made to be used every day.",
        closers: &[
            "Every piece is checked by hand before it leaves the {brand} workshop.",
            "Designed to be used daily and passed on, not replaced.",
            "Packed in recycled cardboard with no single-use plastic.",
            "Comes with a {brand} care card and a straightforward warranty.",
        ],
        leaves: &[
            Leaf {
                slug: "kitchen",
                name: "Kitchen",
                description: "Pans, casseroles and cookware that go from hob to oven to table.",
                weight: 5,
                brands: &["Hearth & Oak", "Copperleaf", "Brindle"],
                models: &["Bistro", "Larder", "Scullery", "Harvest", "Orchard", "Galley", "Hearth", "Pantry"],
                editions: &["Pro", "Classic"],
                descriptors: &[
                    ("Cast Iron", "Material", "Enamelled cast iron"),
                    ("Stainless", "Material", "Tri-ply stainless steel"),
                    ("Non-Stick", "Coating", "PFAS-free ceramic"),
                    ("Carbon Steel", "Material", "Carbon steel"),
                    ("Copper", "Material", "Copper-clad aluminium"),
                ],
                nouns: &["Frying Pan", "Casserole Dish", "Saucepan", "Sauté Pan"],
                price: (24, 249),
                colours: &["Black", "Rust", "Sage", "Cream", "Navy", "Copper", "Stone"],
                opts: &[Opt { name: "Size", vals: Vals::List(PAN_SIZE), prob: 55, min: 2, max: 3, contiguous: true, step: 18 }, colour_opt(30, 2, 3)],
                attrs: &[
                    ("Hob compatibility", &["All hobs including induction", "Gas, electric and induction"]),
                    ("Oven safe", &["Up to 180 °C", "Up to 230 °C", "Up to 260 °C"]),
                    ("Dishwasher safe", &["Yes", "Hand wash recommended"]),
                    ("Material", &["Enamelled cast iron", "Tri-ply stainless steel", "Carbon steel"]),
                    ("Warranty", &["10 years", "25 years", "Lifetime"]),
                ],
                tags: &["kitchen", "cookware", "induction", "pan", "cooking", "oven-safe"],
                pitches: &[
                    "Heats evenly edge to edge, so nothing scorches in the middle.",
                    "Goes from the hob to the oven to the table without missing a beat.",
                    "A heavy base and a comfortable handle make everyday cooking a pleasure.",
                    "Sears like a restaurant pan and cleans up in seconds.",
                ],
                uses: &["weeknight dinners", "slow Sunday roasts", "big family breakfasts", "batch cooking", "dinner parties"],
                features: &[
                    "Works on every hob, including induction",
                    "Riveted stay-cool handle",
                    "Pouring lips on both sides",
                    "Oven safe with the lid on",
                    "Tight-fitting lid that locks in moisture",
                    "Measurement markings inside",
                ],
                shape: Shape::Pan,
            },
            Leaf {
                slug: "drinkware",
                name: "Drinkware",
                description: "Insulated bottles, travel mugs and tumblers.",
                weight: 5,
                brands: &["Copperleaf", "Brindle", "Wayfarer"],
                models: &["Tide", "Harbour", "Summit", "Spring", "Current", "Brook", "Glacier", "Rill"],
                editions: &["Mini", "Max"],
                descriptors: &[
                    ("Insulated", "Insulation", "Double-wall vacuum"),
                    ("Ceramic-Lined", "Lining", "Ceramic"),
                    ("Glass", "Material", "Borosilicate glass"),
                    ("Stainless", "Material", "18/8 stainless steel"),
                    ("Leakproof", "Lid", "Leakproof flip lid"),
                ],
                nouns: &["Water Bottle", "Travel Mug", "Tumbler", "Flask"],
                price: (14, 49),
                colours: &["White", "Black", "Sage", "Sky", "Coral", "Mustard", "Teal", "Lilac", "Stone"],
                opts: &[
                    Opt { name: "Capacity", vals: Vals::List(BOTTLE_CAPACITY), prob: 45, min: 2, max: 3, contiguous: true, step: 15 },
                    colour_opt(65, 2, 4),
                ],
                attrs: &[
                    ("Capacity", &["350 ml", "500 ml", "750 ml", "1 L"]),
                    ("Keeps drinks hot", &["6 h", "12 h", "24 h"]),
                    ("Dishwasher safe", &["Yes", "Body hand wash, lid dishwasher safe"]),
                    ("BPA-free", &["Yes"]),
                    ("Lid", &["Leakproof flip lid", "Screw cap", "Sliding sip lid"]),
                ],
                tags: &["bottle", "reusable", "insulated", "travel-mug", "coffee", "hydration"],
                pitches: &[
                    "Keeps coffee hot through the morning and water cold through the afternoon.",
                    "Fits car cup holders and bike bottle cages.",
                    "Fully leakproof, so it can go in your bag next to your laptop.",
                    "No metallic taste, just whatever you put in it.",
                ],
                uses: &["the morning commute", "desk days", "long hikes", "gym sessions", "road trips"],
                features: &[
                    "One-handed lid",
                    "Powder-coated, non-slip finish",
                    "Wide mouth for ice and easy cleaning",
                    "Carry loop",
                    "Sweat-free outer wall",
                    "Replacement lids available",
                ],
                shape: Shape::Bottle,
            },
            Leaf {
                slug: "lighting",
                name: "Lighting",
                description: "Table lamps, pendants and rechargeable lanterns.",
                weight: 4,
                brands: &["Lumen Lane", "Hearth & Oak", "Brindle"],
                models: &["Halo", "Lantern", "Glow", "Beacon", "Dusk", "Aurora", "Orbit", "Candela"],
                editions: &["Mini", "Grande"],
                descriptors: &[
                    ("LED", "Bulb", "Integrated LED, 2700 K"),
                    ("Dimmable", "Dimming", "Stepless touch dimmer"),
                    ("Rechargeable", "Battery life", "Up to 12 h"),
                    ("Brass", "Finish", "Brushed brass"),
                    ("Ceramic", "Material", "Glazed ceramic"),
                ],
                nouns: &["Table Lamp", "Floor Lamp", "Pendant Light", "Lantern"],
                price: (24, 229),
                colours: &["Brass", "Black", "White", "Sage", "Copper", "Cream", "Stone"],
                opts: &[Opt { name: "Finish", vals: Vals::Colours, prob: 50, min: 2, max: 3, contiguous: false, step: 0 }],
                attrs: &[
                    ("Bulb", &["E27, not included", "Integrated LED, 2700 K", "E14, LED included"]),
                    ("Light output", &["250 lm", "400 lm", "800 lm"]),
                    ("Cable length", &["1.8 m", "2.5 m", "3 m, fabric covered"]),
                    ("Dimensions", &["Ø 22 x 38 cm", "Ø 30 x 45 cm", "Ø 40 x 150 cm"]),
                    ("Material", &["Powder-coated steel", "Glazed ceramic", "Mouth-blown glass"]),
                ],
                tags: &["lighting", "lamp", "interior", "led", "dimmable", "living-room"],
                pitches: &[
                    "A warm, glare-free glow that makes any corner feel cosier.",
                    "Simple, sculptural and at home in a reading nook or on a bedside table.",
                    "Charges by USB-C and goes anywhere: the table, the garden, the tent.",
                ],
                uses: &["reading nooks", "dinner tables", "bedside tables", "balcony evenings", "home offices"],
                features: &[
                    "Warm white 2700 K light",
                    "Touch dimmer with three levels",
                    "Fabric-covered cable",
                    "Weighted base",
                    "USB-C rechargeable",
                    "Replaceable bulb",
                ],
                shape: Shape::Lamp,
            },
        ],
    },
];

// ---------------------------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------------------------

/// A TOML basic string, quotes included.
fn q(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    escape_into(&mut out, s, false);
    out.push('"');
    out
}

/// Escapes for a basic (`multiline == false`) or multi-line basic string.
fn escape_into(out: &mut String, s: &str, multiline: bool) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' if multiline => out.push('\n'),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// A table key: bare when possible, quoted otherwise.
fn key(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        s.to_string()
    } else {
        q(s)
    }
}

fn array(items: &[&str]) -> String {
    let parts: Vec<String> = items.iter().map(|s| q(s)).collect();
    format!("[{}]", parts.join(", "))
}

/// Lower-cases ordinary capitalised words ("Over-Ear Headphones" -> "over-ear headphones")
/// but keeps acronyms and brand-style words ("USB-C", "microSD", "GPS").
fn lower_words(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let mut cs = word.chars();
        let plain = word.chars().count() > 1 && cs.next().is_some_and(|c| c.is_uppercase()) && cs.all(|c| !c.is_uppercase());
        if plain {
            out.push_str(&word.to_lowercase());
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in s.chars() {
        if c == ' ' || c == '-' {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

fn article(word: &str) -> &'static str {
    let lower = word.to_ascii_lowercase();
    let vowel = lower.starts_with(['a', 'e', 'i', 'o', 'u']);
    // Acronyms read letter by letter: "an LED", "a GPS".
    let acronym = word.len() > 1 && word.chars().take(3).all(|c| c.is_ascii_uppercase());
    if acronym {
        if word.starts_with(['A', 'E', 'F', 'H', 'I', 'L', 'M', 'N', 'O', 'R', 'S', 'X']) {
            "an"
        } else {
            "a"
        }
    } else if vowel {
        "an"
    } else {
        "a"
    }
}

/// Three upper-case letters for SKUs.
fn code3(s: &str) -> String {
    let mut c: String = s.chars().filter(|c| c.is_ascii_alphabetic()).take(3).collect::<String>().to_ascii_uppercase();
    while c.len() < 3 {
        c.push('X');
    }
    c
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Day offset from 2024-01-01 to a date string.
fn date_from_offset(mut days: usize) -> String {
    let mut year = 2024;
    loop {
        let len = if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) { 366 } else { 365 };
        if days < len {
            break;
        }
        days -= len;
        year += 1;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let months = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut month = 0;
    while days >= months[month] {
        days -= months[month];
        month += 1;
    }
    format!("{year:04}-{:02}-{:02}", month + 1, days + 1)
}

/// Days from 2024-01-01 to 2026-10-31 inclusive.
const DATE_SPAN: usize = 366 + 365 + 304;

/// Rounds to a shop price in minor units: `.99`, `.00` or `.50`.
fn nice_price(cents: u64, style: u8) -> u64 {
    let e = (cents / 100).max(1);
    match style {
        0 => {
            let e = if e >= 20 { ((e + 2) / 5 * 5).max(5) - 1 } else { e };
            e * 100 + 99
        }
        1 => {
            let e = if e >= 20 { (e + 2) / 5 * 5 } else { e };
            e * 100
        }
        _ => e * 100 + 50,
    }
}

// ---------------------------------------------------------------------------------------------
// Colours and images
// ---------------------------------------------------------------------------------------------

fn mix(a: u32, b: u32, t_permille: u32) -> u32 {
    let ch = |shift: u32| {
        let x = (a >> shift) & 0xff;
        let y = (b >> shift) & 0xff;
        ((x * (1000 - t_permille) + y * t_permille) / 1000) & 0xff
    };
    (ch(16) << 16) | (ch(8) << 8) | ch(0)
}

fn luma(c: u32) -> u32 {
    (((c >> 16) & 0xff) * 299 + ((c >> 8) & 0xff) * 587 + (c & 0xff) * 114) / 1000
}

fn svg(shape: Shape, rgb: u32, brand: &str) -> String {
    let (bg, circle, dark) = if luma(rgb) > 190 {
        (0xe6e8eb, 0xd2d6db, mix(rgb, 0x000000, 550))
    } else {
        (mix(rgb, 0xffffff, 880), mix(rgb, 0xffffff, 740), mix(rgb, 0x000000, 380))
    };
    let (f, b, d) = (format!("{rgb:06x}"), format!("{circle:06x}"), format!("{dark:06x}"));
    let body = match shape {
        Shape::Headphones => format!(
            r##"<path d="M230 440V390a170 170 0 0 1 340 0v50" fill="none" stroke="#{d}" stroke-width="34"/><rect x="185" y="400" width="100" height="180" rx="44" fill="#{f}"/><rect x="515" y="400" width="100" height="180" rx="44" fill="#{f}"/>"##
        ),
        Shape::Earbuds => format!(
            r##"<g fill="#{f}"><circle cx="320" cy="340" r="72"/><rect x="298" y="350" width="44" height="190" rx="22"/><circle cx="480" cy="340" r="72"/><rect x="458" y="350" width="44" height="190" rx="22"/></g><circle cx="320" cy="340" r="30" fill="#{d}"/><circle cx="480" cy="340" r="30" fill="#{d}"/>"##
        ),
        Shape::Speaker => format!(
            r##"<rect x="270" y="170" width="260" height="440" rx="44" fill="#{f}"/><circle cx="400" cy="290" r="52" fill="#{d}"/><circle cx="400" cy="465" r="95" fill="#{d}"/><circle cx="400" cy="465" r="35" fill="#{b}"/>"##
        ),
        Shape::Watch => format!(
            r##"<rect x="345" y="130" width="110" height="520" rx="30" fill="#{d}"/><rect x="285" y="265" width="230" height="250" rx="64" fill="#{f}"/><rect x="315" y="295" width="170" height="190" rx="44" fill="#{b}"/><path d="M400 390v-60m0 60l40 30" stroke="#{d}" stroke-width="12" stroke-linecap="round"/>"##
        ),
        Shape::PowerBank => format!(
            r##"<rect x="275" y="180" width="250" height="420" rx="40" fill="#{f}"/><rect x="360" y="210" width="80" height="14" rx="7" fill="#{b}"/><g fill="#{b}"><circle cx="355" cy="540" r="10"/><circle cx="385" cy="540" r="10"/><circle cx="415" cy="540" r="10"/><circle cx="445" cy="540" r="10"/></g>"##
        ),
        Shape::Drive => format!(
            r##"<rect x="300" y="170" width="200" height="330" rx="26" fill="#{f}"/><rect x="345" y="500" width="110" height="110" rx="8" fill="#{d}"/><rect x="330" y="210" width="140" height="60" rx="10" fill="#{b}"/>"##
        ),
        Shape::TShirt => format!(
            r##"<path d="M300 190l-130 70 50 110 60-30v280h240V340l60 30 50-110-130-70c-15 40-55 60-100 60s-85-20-100-60z" fill="#{f}"/><path d="M300 190c15 40 55 60 100 60s85-20 100-60" fill="none" stroke="#{d}" stroke-width="10"/>"##
        ),
        Shape::Jacket => format!(
            r##"<path d="M300 180l-120 60-50 360h80l40-220v330h300V380l40 220h80l-50-360-120-60c-15 35-55 55-100 55s-85-20-100-55z" fill="#{f}"/><path d="M400 235v415" stroke="#{d}" stroke-width="8"/>"##
        ),
        Shape::Hoodie => format!(
            r##"<path d="M300 180l-120 60-50 360h80l40-220v330h300V380l40 220h80l-50-360-120-60c-15 35-55 55-100 55s-85-20-100-55z" fill="#{f}"/><path d="M300 185c10-100 190-100 200 0c-30 55-170 55-200 0z" fill="#{d}"/><rect x="320" y="500" width="160" height="80" rx="20" fill="#{d}"/>"##
        ),
        Shape::BaseLayer => format!(
            r##"<path d="M320 180l-110 50-40 370h70l50-240v290h220V360l50 240h70l-40-370-110-50c-15 30-50 45-80 45s-65-15-80-45z" fill="#{f}"/><path d="M400 225v90" stroke="#{d}" stroke-width="8"/>"##
        ),
        Shape::Shoe => format!(
            r##"<path d="M150 540c0-70 20-150 50-190l70 20c30 40 90 70 170 70c80 0 170 40 220 80c20 20 20 60-10 70H180c-20 0-30-20-30-50z" fill="#{f}"/><rect x="150" y="565" width="500" height="34" rx="17" fill="#{d}"/><path d="M300 410l30-22m0 42l30-22m0 36l30-22" stroke="#{b}" stroke-width="10"/>"##
        ),
        Shape::Boot => format!(
            r##"<path d="M190 580V230h150l10 170c70 25 190 45 250 95c30 25 30 70 0 85z" fill="#{f}"/><rect x="180" y="572" width="440" height="38" rx="14" fill="#{d}"/><path d="M290 280h50m-50 40h50m-45 40h50" stroke="#{b}" stroke-width="10"/>"##
        ),
        Shape::Tent => format!(
            r##"<path d="M400 150v40" stroke="#{d}" stroke-width="10"/><path d="M400 180L140 610h520z" fill="#{f}"/><path d="M400 330l-85 280h170z" fill="#{d}"/>"##
        ),
        Shape::Backpack => format!(
            r##"<path d="M340 240a60 60 0 0 1 120 0" fill="none" stroke="#{d}" stroke-width="26"/><rect x="255" y="220" width="290" height="400" rx="80" fill="#{f}"/><rect x="305" y="430" width="190" height="140" rx="26" fill="#{d}"/><path d="M255 330h290" stroke="#{d}" stroke-width="10"/>"##
        ),
        Shape::SleepingBag => format!(
            r##"<rect x="295" y="130" width="210" height="500" rx="105" fill="#{f}"/><ellipse cx="400" cy="235" rx="62" ry="55" fill="#{b}"/><path d="M400 300v310" stroke="#{d}" stroke-width="8" stroke-dasharray="18 12"/>"##
        ),
        Shape::Pan => format!(
            r##"<rect x="500" y="375" width="240" height="46" rx="23" fill="#{d}"/><circle cx="340" cy="400" r="180" fill="#{f}"/><circle cx="340" cy="400" r="135" fill="#{d}"/>"##
        ),
        Shape::Bottle => format!(
            r##"<rect x="355" y="150" width="90" height="80" rx="18" fill="#{d}"/><rect x="320" y="220" width="160" height="410" rx="56" fill="#{f}"/><rect x="320" y="380" width="160" height="90" fill="#{d}" opacity=".3"/>"##
        ),
        Shape::Lamp => format!(
            r##"<path d="M300 190h200l80 210H220z" fill="#{f}"/><rect x="388" y="400" width="24" height="190" fill="#{d}"/><rect x="300" y="585" width="200" height="34" rx="17" fill="#{d}"/>"##
        ),
    };
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800" viewBox="0 0 800 800"><rect width="800" height="800" fill="#{bg:06x}"/><circle cx="400" cy="390" r="290" fill="#{b}"/>{body}<text x="400" y="730" text-anchor="middle" font-family="Helvetica,Arial,sans-serif" font-size="38" font-weight="700" letter-spacing="4" fill="#{d}">{}</text></svg>
"##,
        xml_escape(&brand.to_uppercase())
    )
}

// ---------------------------------------------------------------------------------------------
// Products
// ---------------------------------------------------------------------------------------------

struct ChosenOption {
    name: &'static str,
    /// Label, SKU code, colour (for colour options).
    values: Vec<(&'static str, &'static str, Option<u32>)>,
    step: u64,
}

fn choose_options(rng: &mut Rng, leaf: &Leaf) -> Vec<ChosenOption> {
    let mut chosen = Vec::new();
    for opt in leaf.opts {
        if !rng.permille(opt.prob * 10) {
            continue;
        }
        let values: Vec<(&'static str, &'static str, Option<u32>)> = match &opt.vals {
            Vals::Colours => {
                let k = rng.range(opt.min, opt.max).min(leaf.colours.len());
                rng.sample(leaf.colours.len(), k)
                    .into_iter()
                    .map(|i| {
                        let label = leaf.colours[i];
                        let (code, rgb) = colour(label);
                        (label, code, Some(rgb))
                    })
                    .collect()
            }
            Vals::ApparelSizes => {
                let mut v = Vec::new();
                if rng.permille(220) {
                    v.push(("XS", "XS", None));
                }
                v.extend([("S", "S", None), ("M", "M", None), ("L", "L", None), ("XL", "XL", None)]);
                if rng.permille(300) {
                    v.push(("XXL", "XXL", None));
                }
                v
            }
            Vals::List(list) => {
                let k = rng.range(opt.min, opt.max).min(list.len());
                if opt.contiguous {
                    let start = rng.below(list.len() - k + 1);
                    list[start..start + k].iter().map(|&(l, c)| (l, c, None)).collect()
                } else {
                    let mut idx = rng.sample(list.len(), k);
                    idx.sort_unstable();
                    idx.into_iter().map(|i| (list[i].0, list[i].1, None)).collect()
                }
            }
        };
        chosen.push(ChosenOption { name: opt.name, values, step: opt.step });
    }
    chosen
}

/// Generation-wide state: unique slugs and the catalog summary for shop.toml.
struct State {
    used_slugs: HashSet<String>,
    next_suffix: HashMap<String, u32>,
    /// Per leaf (flattened index), the first few published product slugs.
    published_by_leaf: Vec<Vec<String>>,
}

impl State {
    fn unique_slug(&mut self, base: String) -> String {
        if !self.used_slugs.contains(&base) {
            self.used_slugs.insert(base.clone());
            return base;
        }
        let n = self.next_suffix.entry(base.clone()).or_insert(2);
        loop {
            let candidate = format!("{base}-{n}");
            *n += 1;
            if !self.used_slugs.contains(&candidate) {
                self.used_slugs.insert(candidate.clone());
                return candidate;
            }
        }
    }
}

struct Written {
    slug: String,
    toml: String,
    svg: String,
    published: bool,
}

/// "model descriptor noun", without the descriptor when the model (with its edition) or the noun
/// already says it: a "Backpacking Tent" is not a "Backpacking Backpacking Tent", a "Breeze
/// Sport" not "Breeze Sport Sport Wireless Earphones".
fn title(model: &str, descriptor: &str, noun: &str) -> String {
    let words = |part: &str| part.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect::<Vec<_>>();
    let said = |part: &str| words(part).iter().any(|w| words(descriptor).contains(w));
    if said(model) || said(noun) {
        format!("{model} {noun}")
    } else {
        format!("{model} {descriptor} {noun}")
    }
}

fn product(rng: &mut Rng, state: &mut State, top: &Top, leaf: &Leaf, counter: usize) -> Written {
    // Title: model [edition] descriptor noun.
    let brand = *rng.pick(leaf.brands);
    let model = *rng.pick(leaf.models);
    let edition = if !leaf.editions.is_empty() && rng.permille(180) { Some(*rng.pick(leaf.editions)) } else { None };
    let desc = *rng.pick(leaf.descriptors);
    let noun = *rng.pick(leaf.nouns);
    let model_full = match edition {
        Some(e) => format!("{model} {e}"),
        None => model.to_string(),
    };
    let title = title(&model_full, desc.0, noun);
    let slug = state.unique_slug(edgeshop_import::slugify(&title));

    let options = choose_options(rng, leaf);
    let colour_opt = options.iter().find(|o| o.values.first().is_some_and(|v| v.2.is_some()));
    let (hero_label, hero_rgb) = match colour_opt {
        Some(o) => (o.values[0].0, o.values[0].2.unwrap_or(0x808080)),
        None => {
            let label = *rng.pick(leaf.colours);
            (label, colour(label).1)
        }
    };

    // Attributes: the descriptor's own first, then others that don't clash with options.
    let mut attrs: Vec<(&str, &str)> = Vec::new();
    if !desc.1.is_empty() {
        attrs.push((desc.1, desc.2));
    }
    let want = rng.range(2, 4);
    let mut order: Vec<usize> = (0..leaf.attrs.len()).collect();
    rng.shuffle(&mut order);
    for i in order {
        if attrs.len() >= want {
            break;
        }
        let (name, values) = leaf.attrs[i];
        if attrs.iter().any(|a| a.0 == name) || options.iter().any(|o| o.name == name) {
            continue;
        }
        attrs.push((name, *rng.pick(values)));
    }

    // Tags: the descriptor word plus a few from the category.
    let mut tags: Vec<String> = Vec::new();
    let want_tags = rng.range(2, 4);
    let desc_tag = edgeshop_import::slugify(desc.0);
    if rng.permille(700) {
        tags.push(desc_tag);
    }
    let mut tag_order: Vec<usize> = (0..leaf.tags.len()).collect();
    rng.shuffle(&mut tag_order);
    for i in tag_order {
        if tags.len() >= want_tags {
            break;
        }
        if !tags.iter().any(|t| t == leaf.tags[i]) {
            tags.push(leaf.tags[i].to_string());
        }
    }

    let published = !rng.permille(40);
    let created = date_from_offset(rng.below(DATE_SPAN));
    let description = describe(rng, top, leaf, &title, brand, &model_full, desc.0, noun, &attrs);

    // Variants: the cross product of option values, occasionally missing a combination.
    let mut combos: Vec<Vec<usize>> = vec![Vec::new()];
    for o in &options {
        let mut next = Vec::with_capacity(combos.len() * o.values.len());
        for c in &combos {
            for i in 0..o.values.len() {
                let mut c = c.clone();
                c.push(i);
                next.push(c);
            }
        }
        combos = next;
    }
    if options.len() >= 2 && combos.len() >= 4 && rng.permille(350) {
        let drop = rng.range(1, (combos.len() / 6).max(1));
        for _ in 0..drop {
            let i = 1 + rng.below(combos.len() - 1);
            combos.remove(i);
        }
    }

    let (lo, hi) = leaf.price;
    // Skew towards the lower end of the range: most products are mid-priced.
    let u = rng.below(10_000) as u64;
    let base = (lo as u64 * 100) + ((hi - lo) as u64 * 100) * u * u / 100_000_000;
    let style = match rng.below(20) {
        0..=11 => 0u8,
        12..=16 => 1,
        _ => 2,
    };
    let on_sale = rng.permille(270);
    let sale_pct = rng.range(115, 150) as u64;
    let continue_policy = rng.permille(50);
    let brand_code = code3(brand);
    let model_code = code3(model);

    let mut out = String::with_capacity(2048 + combos.len() * 140);
    let _ = writeln!(out, "title = {}", q(&title));
    let _ = writeln!(out, "slug = {}", q(&slug));
    let _ = writeln!(out, "brand = {}", q(brand));
    let _ = writeln!(out, "category = {}", q(&format!("{}/{}", top.slug, leaf.slug)));
    let tag_refs: Vec<&str> = tags.iter().map(String::as_str).collect();
    let _ = writeln!(out, "tags = {}", array(&tag_refs));
    let _ = writeln!(out, "published = {published}");
    let _ = writeln!(out, "created = {}", q(&created));
    out.push_str("description = \"\"\"\n");
    escape_into(&mut out, &description, true);
    out.push_str("\"\"\"\n\n[attributes]\n");
    for (name, value) in &attrs {
        let _ = writeln!(out, "{} = {}", key(name), q(value));
    }
    let image = format!("{slug}-1.svg");
    let alt = format!("{title} in {}", hero_label.to_lowercase());
    let _ = write!(out, "\n[[images]]\nfile = {}\nalt = {}\nwidth = 800\nheight = 800\n", q(&image), q(&alt));
    for o in &options {
        let labels: Vec<&str> = o.values.iter().map(|v| v.0).collect();
        let _ = write!(out, "\n[[options]]\nname = {}\nvalues = {}\n", q(o.name), array(&labels));
    }
    for combo in &combos {
        let mut sku = format!("{brand_code}-{model_code}-{counter:05}");
        let mut labels: Vec<&str> = Vec::with_capacity(combo.len());
        let mut pct = 100u64;
        for (o, &i) in options.iter().zip(combo) {
            sku.push('-');
            sku.push_str(o.values[i].1);
            labels.push(o.values[i].0);
            pct += o.step * i as u64;
        }
        let price = nice_price(base * pct / 100, style);
        let _ = write!(out, "\n[[variants]]\nsku = {}\noptions = {}\nprice = {price}\n", q(&sku), array(&labels));
        if on_sale && rng.permille(900) {
            let mut compare = nice_price(price * sale_pct / 100, style);
            if compare <= price {
                compare = nice_price(price + 1000, style);
            }
            let _ = writeln!(out, "compare_at_price = {compare}");
        }
        let stock = if rng.permille(80) { 0 } else { rng.range(1, 120) };
        let policy = if continue_policy { "continue" } else { "deny" };
        let _ = write!(out, "stock = {stock}\nstock_policy = \"{policy}\"\n");
    }

    Written { svg: svg(leaf.shape, hero_rgb, brand), slug, toml: out, published }
}

#[allow(clippy::too_many_arguments)]
fn describe(
    rng: &mut Rng,
    top: &Top,
    leaf: &Leaf,
    title: &str,
    brand: &str,
    model: &str,
    descriptor: &str,
    noun: &str,
    attrs: &[(&str, &str)],
) -> String {
    let pitch = *rng.pick(leaf.pitches);
    let uses = rng.sample(leaf.uses.len(), 2);
    let (use1, use2) = (leaf.uses[uses[0]], leaf.uses[uses[1]]);
    let noun_lc = lower_words(noun);
    let desc_lc = lower_words(descriptor);
    let first = match rng.below(6) {
        0 => format!("The {title} is built for {use1} and {use2}. {pitch}"),
        1 => format!("Meet the **{model}** from {brand}: {} {desc_lc} {noun_lc} made for {use1}. {pitch}", article(&desc_lc)),
        2 => format!("{brand} designed the {model} for {use1}, {use2} and everything in between. {pitch}"),
        3 => format!("Whether it's {use1} or {use2}, the {title} keeps up. {pitch}"),
        4 => format!("{pitch} The {title} from {brand} is our pick for {use1}."),
        _ => format!("Built by {brand} for {use1}, the **{model}** pairs thoughtful details with everyday durability. {pitch}"),
    };

    let mut second = rng.pick(top.closers).replace("{brand}", brand);
    if let Some((_, material)) = attrs.iter().find(|a| a.0 == "Material") {
        if rng.permille(600) {
            let _ = write!(second, " Made from {}.", lower_words(material));
        }
    }
    if rng.permille(600) {
        second.push(' ');
        second.push_str(rng.pick::<&str>(GENERIC_CLOSERS));
    }

    let mut text = format!("{first}\n\n{second}\n\n");
    let n = rng.range(3, 5).min(leaf.features.len());
    let mut bullets: Vec<String> = rng.sample(leaf.features.len(), n).into_iter().map(|i| leaf.features[i].to_string()).collect();
    if let Some((name, value)) = attrs.get(rng.below(attrs.len().max(1))) {
        if rng.permille(500) {
            bullets.insert(0, format!("**{name}:** {value}"));
        }
    }
    for b in bullets {
        let _ = writeln!(text, "- {b}");
    }
    text
}

// ---------------------------------------------------------------------------------------------
// Shop-level files
// ---------------------------------------------------------------------------------------------

const SHOP_NAME: &str = "Northwind Outfitters";
const COUNTRIES: &[(&str, &str)] = &[
    ("IE", "Ireland"),
    ("GB", "the United Kingdom"),
    ("DE", "Germany"),
    ("FR", "France"),
    ("NL", "the Netherlands"),
    ("BE", "Belgium"),
    ("ES", "Spain"),
    ("IT", "Italy"),
    ("AT", "Austria"),
    ("PT", "Portugal"),
    ("DK", "Denmark"),
    ("SE", "Sweden"),
    ("FI", "Finland"),
    ("PL", "Poland"),
];
const FEATURED_CATEGORIES: &[&str] = &["audio", "apparel", "footwear", "outdoor"];

fn shop_toml(featured: &[String]) -> String {
    let featured: Vec<&str> = featured.iter().map(String::as_str).collect();
    let countries: Vec<&str> = COUNTRIES.iter().map(|c| c.0).collect();
    format!(
        "name = {}\ntagline = {}\ncurrency = \"EUR\"\nlocale = \"en-IE\"\nbase_url = \"https://shop.example.com\"\nfeatured_products = {}\nfeatured_categories = {}\n\n[shipping]\nflat_rate = 495\nfree_over = 5000\ncountries = {}\n\n[tax]\nrate_bp = 2300\nprices_include_tax = true\n\n[search]\nout_of_stock = \"lower\"\n\n[email]\nfrom = \"orders@shop.example.com\"\nreply_to = \"help@shop.example.com\"\nmerchant = [\"owner@shop.example.com\"]\n",
        q(SHOP_NAME),
        q("Gear for long days outside"),
        array(&featured),
        array(FEATURED_CATEGORIES),
        array(&countries),
    )
}

/// Words shoppers use for the same thing, and one pinned result (the first featured product for "gift").
fn synonyms_toml(featured: &[String]) -> String {
    let mut out = String::from(
        "# Search synonyms: each group lists words or phrases that mean the same thing.\n\
         synonyms = [\n  [\"tee\", \"t-shirt\", \"tshirt\"],\n  [\"trainers\", \"sneakers\"],\n  [\"rucksack\", \"backpack\"],\n  \
         [\"hoodie\", \"sweatshirt\", \"pullover\"],\n  [\"earphones\", \"earbuds\", \"in-ear\"],\n  [\"power bank\", \"battery pack\", \"charger\"],\n  \
         [\"flask\", \"bottle\"],\n  [\"lantern\", \"lamp\"],\n]\n",
    );
    if let Some(first) = featured.first() {
        let _ = write!(out, "\n# Products shown first, in this order, for a query.\n[pinned]\ngift = [{}]\n", q(first));
    }
    out
}

fn categories_toml() -> String {
    let mut out = String::new();
    for top in TOPS {
        let _ = write!(out, "[[category]]\nslug = {}\nname = {}\ndescription = {}\n\n", q(top.slug), q(top.name), q(top.description));
        for leaf in top.leaves {
            let _ = write!(
                out,
                "[[category]]\nslug = {}\nname = {}\ndescription = {}\n\n",
                q(&format!("{}/{}", top.slug, leaf.slug)),
                q(leaf.name),
                q(leaf.description)
            );
        }
    }
    out.pop();
    out
}

fn pages() -> [(&'static str, String); 3] {
    let names: Vec<&str> = COUNTRIES.iter().map(|c| c.1).collect();
    let list = format!("{} and {}", names[..names.len() - 1].join(", "), names[names.len() - 1]);
    let shipping = format!(
        "# Shipping\n\n\
We ship from our warehouse in Dublin to {list}. Orders placed before 2 pm (Irish time) on a working day leave the same day; anything later goes out the next working day.\n\n\
## Rates\n\n\
Standard delivery is a flat **€4.95** per order, wherever you are in our delivery area. Orders of **€50 or more** ship free. Prices already include VAT at 23 %, and there are no customs charges for deliveries within the EU.\n\n\
## Delivery times\n\n\
- Ireland: 1-2 working days\n\
- United Kingdom: 2-4 working days (import duties may apply for orders over £135)\n\
- Rest of the EU: 3-6 working days\n\n\
Every order is tracked. You'll get an email with a tracking link as soon as your parcel is on its way.\n\n\
## Bulky items\n\n\
Tents and larger cookware ship in the same way and at the same rate; they may arrive in a separate parcel.\n"
    );
    let returns = "# Returns\n\n\
Changed your mind? You can return anything you bought from us within **30 days** of delivery for a full refund, as long as it is unused and in its original packaging. Returns are free from Ireland and the EU.\n\n\
## How to return\n\n\
1. Email hello@shop.example.com with your order number and the items you're sending back.\n\
2. We'll reply with a prepaid return label within one working day.\n\
3. Pack the items securely, attach the label and drop the parcel at any post office.\n\n\
## Refunds\n\n\
We refund to your original payment method within 5 working days of receiving your return. Original shipping costs are refunded if you return the whole order.\n\n\
## Exchanges\n\n\
Need a different size or colour? Mention it in your email and we'll send the replacement as soon as we have your return, at no extra cost.\n\n\
## Faulty items\n\n\
If something breaks or doesn't work as it should, tell us. Every product carries at least a two-year warranty, and we'll repair, replace or refund it.\n"
        .to_string();
    let contact = "# Contact\n\n\
We're a small team based in Dublin and we read every message. The quickest way to reach us is by email: **hello@shop.example.com**. We reply within one working day, usually much sooner.\n\n\
## Phone\n\n\
Call us on +353 1 555 0142, Monday to Friday, 9:00 to 17:30 (Irish time).\n\n\
## Address\n\n\
Northwind Outfitters\n\
Unit 4, Harbour Yard\n\
Dublin D02 XY45\n\
Ireland\n\n\
Our warehouse isn't open to the public, but you're welcome to collect an order: choose *Click & Collect* at checkout and we'll email you when it's ready.\n\n\
## Press and wholesale\n\n\
For press enquiries, samples and wholesale accounts, write to partners@shop.example.com.\n"
        .to_string();
    [("shipping.md", shipping), ("returns.md", returns), ("contact.md", contact)]
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

/// Writes a shop with `products` products into `out`, deterministically from `seed`.
/// Removes `products/`, `images/`, `pages/`, `shop.toml`, `categories.toml` and `synonyms.toml`
/// first; nothing else.
pub fn generate(out: &Path, products: usize, seed: u64) -> io::Result<()> {
    for dir in ["products", "images", "pages"] {
        let p = out.join(dir);
        if p.exists() {
            fs::remove_dir_all(&p)?;
        }
    }
    for file in ["shop.toml", "categories.toml", "synonyms.toml"] {
        let p = out.join(file);
        if p.exists() {
            fs::remove_file(&p)?;
        }
    }
    let (products_dir, images_dir, pages_dir) = (out.join("products"), out.join("images"), out.join("pages"));
    for d in [&products_dir, &images_dir, &pages_dir] {
        fs::create_dir_all(d)?;
    }

    let leaves: Vec<(&Top, &Leaf)> = TOPS.iter().flat_map(|t| t.leaves.iter().map(move |l| (t, l))).collect();
    let total_weight: u32 = leaves.iter().map(|(_, l)| l.weight).sum();
    let mut master = Rng(seed ^ 0x5EED_CA7A_1060_0001);
    // The first products visit every leaf once, so small catalogs still fill every category.
    let mut first_round: Vec<usize> = (0..leaves.len()).collect();
    master.shuffle(&mut first_round);

    let mut state =
        State { used_slugs: HashSet::with_capacity(products), next_suffix: HashMap::new(), published_by_leaf: vec![Vec::new(); leaves.len()] };
    let mut path = products_dir.clone();
    for i in 0..products {
        let leaf_idx = if i < first_round.len() {
            first_round[i]
        } else {
            let mut r = master.below(total_weight as usize) as u32;
            let mut idx = 0;
            while r >= leaves[idx].1.weight {
                r -= leaves[idx].1.weight;
                idx += 1;
            }
            idx
        };
        let mut rng = Rng(master.next());
        let (top, leaf) = leaves[leaf_idx];
        let p = product(&mut rng, &mut state, top, leaf, i + 1);
        path.push(format!("{}.toml", p.slug));
        fs::write(&path, p.toml.as_bytes())?;
        path.pop();
        fs::write(images_dir.join(format!("{}-1.svg", p.slug)), p.svg.as_bytes())?;
        if p.published && state.published_by_leaf[leaf_idx].len() < 3 {
            state.published_by_leaf[leaf_idx].push(p.slug);
        }
    }

    // Featured: one published product from each of 8 different categories.
    let mut leaf_order: Vec<usize> = (0..leaves.len()).collect();
    master.shuffle(&mut leaf_order);
    let mut featured: Vec<String> = Vec::new();
    for round in 0..3 {
        for &l in &leaf_order {
            if featured.len() < 8 {
                if let Some(s) = state.published_by_leaf[l].get(round) {
                    featured.push(s.clone());
                }
            }
        }
    }

    fs::write(out.join("shop.toml"), shop_toml(&featured))?;
    fs::write(out.join("categories.toml"), categories_toml())?;
    fs::write(out.join("synonyms.toml"), synonyms_toml(&featured))?;
    for (name, text) in pages() {
        fs::write(pages_dir.join(name), text)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    fn temp_dir(tag: &str) -> PathBuf {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("edgeshop-gen-catalog-{tag}-{}-{nanos}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn read_all(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
            for entry in fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(root, &path, out);
                } else {
                    let rel = path.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                    out.insert(rel, fs::read(&path).unwrap());
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(dir, dir, &mut out);
        out
    }

    fn product_files(dir: &Path) -> BTreeMap<String, String> {
        read_all(&dir.join("products")).into_iter().map(|(k, v)| (k, String::from_utf8(v).unwrap())).collect()
    }

    #[test]
    fn same_seed_gives_identical_output() {
        let (a, b) = (temp_dir("det-a"), temp_dir("det-b"));
        generate(&a, 150, 42).unwrap();
        generate(&b, 150, 42).unwrap();
        // Regenerating over an existing shop is clean too. (Files: 150 products + 150 images, shop, categories, synonyms, 3 pages.)
        generate(&b, 150, 42).unwrap();
        let (fa, fb) = (read_all(&a), read_all(&b));
        assert_eq!(fa.len(), 150 * 2 + 6);
        assert_eq!(fa, fb);
        let c = temp_dir("det-c");
        generate(&c, 150, 43).unwrap();
        assert_ne!(read_all(&c), fa, "a different seed should give a different shop");
        for d in [a, b, c] {
            fs::remove_dir_all(d).unwrap();
        }
    }

    #[test]
    fn skus_slugs_and_titles_are_sound() {
        let dir = temp_dir("skus");
        generate(&dir, 1500, 7).unwrap();
        let mut skus = HashSet::new();
        let files = product_files(&dir);
        assert_eq!(files.len(), 1500);
        for (name, text) in &files {
            let slug_line = format!("slug = \"{}\"", name.trim_end_matches(".toml"));
            assert!(text.lines().any(|l| l == slug_line), "{name}: slug does not match file name");
            let title = text.lines().find_map(|l| l.strip_prefix("title = \"")).unwrap_or_default().trim_end_matches('"').to_lowercase();
            let words: Vec<&str> = title.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
            assert!(words.windows(2).all(|w| w[0] != w[1]), "{name}: a word twice in a row in {title:?}");
            for line in text.lines() {
                if let Some(sku) = line.strip_prefix("sku = \"") {
                    let sku = sku.trim_end_matches('"').to_string();
                    assert!(sku.len() <= 64 && sku.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-'), "{sku}");
                    assert!(skus.insert(sku.clone()), "duplicate SKU {sku}");
                }
            }
        }
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn every_product_has_variants_and_an_image() {
        let dir = temp_dir("variants");
        generate(&dir, 400, 3).unwrap();
        let mut multi = 0;
        for (name, text) in product_files(&dir) {
            let variants = text.lines().filter(|l| *l == "[[variants]]").count();
            assert!(variants >= 1, "{name} has no [[variants]]");
            if variants > 1 {
                multi += 1;
            }
            let image = format!("{}-1.svg", name.trim_end_matches(".toml"));
            let svg = fs::read(dir.join("images").join(&image)).unwrap();
            assert!(svg.len() < 1500, "{image} is {} bytes", svg.len());
        }
        assert!(multi * 100 >= 400 * 60, "only {multi} of 400 products have several variants");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn dates_and_prices() {
        assert_eq!(date_from_offset(0), "2024-01-01");
        assert_eq!(date_from_offset(59), "2024-02-29");
        assert_eq!(date_from_offset(366), "2025-01-01");
        assert_eq!(date_from_offset(DATE_SPAN - 1), "2026-10-31");
        for cents in [1499, 2000, 12_345, 39_900] {
            for style in 0..3 {
                let p = nice_price(cents, style);
                assert!([99, 0, 50].contains(&(p % 100)), "{p}");
            }
        }
    }
}
